"""``omreview serve --help`` says what the schedule and the polling are (no Prefect imported)."""

from typer.testing import CliRunner

from omreview.cli import app


def test_serve_help_says_the_cron_is_in_the_review_bodys_time_zone_and_how_often_it_polls():
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "server's time zone" not in text
    assert "in the --timezone time zone" in text
    assert "default: the review body's, Asia/Shanghai unless OMREVIEW_TIME_ZONE says otherwise" in text
    assert "--poll-seconds" in text and "how often to look for new runs; default 1" in text


def test_serve_refuses_a_time_zone_that_is_not_one(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--intake", str(tmp_path), "--out", str(tmp_path / "out"),
                                      "--timezone", "Asia/Pyongyang-ish"])
    assert result.exit_code == 2
    assert "'Asia/Pyongyang-ish' is not a time zone; use an IANA name such as Asia/Shanghai" in result.output
