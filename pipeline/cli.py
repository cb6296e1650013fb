"""The ``omreview`` command line."""

from __future__ import annotations

import datetime as dt
import json
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.errors import InputError, RulesError
from pipeline.model import Report
from pipeline.packet import applicant_folders
from pipeline.report import schema_text, write_report, write_text_atomic
from pipeline.review import review, review_applicant
from pipeline.rules import Rules, default_rules
from validators import batch as batch_rules

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Review O&M capability applications.")
out_console = Console()
err_console = Console(stderr=True)

OutOption = Annotated[Path, typer.Option("--out", "-o", help="folder for the reports (created if needed)")]
DateOption = Annotated[
    str | None,
    typer.Option("--application-date", help="YYYY-MM-DD; default from the rules file (2012-06-01)"),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"application date must be YYYY-MM-DD, got {text!r}") from exc


def _rules() -> Rules:
    try:
        return default_rules()
    except RulesError as exc:
        raise _fail(str(exc)) from exc


def _summary(report: Report, path: Path) -> str:
    errors = sum(1 for d in report.documents if d.status == "error")
    note = f", {errors} unreadable file(s)" if errors else ""
    return (f"{report.applicant.id}: [bold]{report.verdict.value}[/] — {len(report.documents)} file(s){note}"
            f" → {path}")


@app.command()
def run(
    folder: Annotated[Path, typer.Argument(help="one applicant folder")],
    out: OutOption,
    application_date: DateOption = None,
) -> None:
    """Review one applicant folder and write OUT/<applicant id>/report.json."""
    rules = _rules()
    try:
        report = review_applicant(folder, _date(application_date), rules)
    except InputError as exc:
        raise _fail(str(exc)) from exc
    path = write_report(report, out)
    out_console.print(_summary(report, path), highlight=False)


@app.command()
def batch(
    intake: Annotated[Path, typer.Argument(help="intake folder: one sub-folder per applicant")],
    out: OutOption,
    application_date: DateOption = None,
) -> None:
    """Review every applicant folder of an intake folder; write one report each and OUT/batch.json."""
    rules = _rules()
    try:
        when = _date(application_date)
        folders, loose = applicant_folders(intake)
    except InputError as exc:
        raise _fail(str(exc)) from exc
    for name in loose:
        err_console.print(f"[yellow]note:[/] {name} is not an applicant folder; skipped", highlight=False)
    rows, failed = [], 0
    reviews = []
    for folder in folders:
        try:
            result = review(folder, when, rules)
        except InputError as exc:
            err_console.print(f"[yellow]{folder.name}:[/] {exc}", highlight=False)
            rows.append({"applicant": folder.name, "verdict": None, "error": str(exc)})
            continue
        except Exception as exc:  # a bug: record it, keep the batch going, exit non-zero at the end
            failed += 1
            log = Path(out) / folder.name / "error.log"
            write_text_atomic(log, traceback.format_exc())
            err_console.print(f"[red]{folder.name}: internal error ({type(exc).__name__}); "
                              f"details in {log}[/]", highlight=False)
            rows.append({"applicant": folder.name, "verdict": None, "error": f"internal error: {exc}"})
            continue
        write_report(result.report, out)  # written at once: nothing is lost if the batch dies later
        reviews.append(result)
    extra = batch_rules.batch_discrepancies([r.batch_entry for r in reviews], rules)
    for result in reviews:
        report = batch_rules.apply(result.report, extra.get(result.report.applicant.id, []))
        path = write_report(report, out)
        rows.append({"applicant": report.applicant.id, "verdict": report.verdict.value, "report": str(path)})
        out_console.print(_summary(report, path), highlight=False)
    rows.sort(key=lambda r: r["applicant"])
    summary = {"intake": str(intake), "rules_version": rules.version, "applicants": rows, "skipped_entries": loose}
    write_text_atomic(Path(out) / "batch.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    if failed:
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of report.json."""
    typer.echo(schema_text(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    app()
