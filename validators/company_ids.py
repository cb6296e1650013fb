"""The company identifiers a form carries: 统一社会信用代码, and on 2012 forms 营业执照注册号 and 组织机构代码.

Each value is told by its shape (``omreview.identifiers.company_ids``), whichever cell it was read from,
and validated by its own check character; a bad one is a discrepancy naming the identifier. A cell whose
text has no identifier's shape (a label such as 住所 read in the code's place) holds no identifier: that
is a value not found, noted for the reviewer, never a discrepancy (CONDITIONS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from omreview.identifiers import COMPANY_ID_NAMES, CompanyId, CompanyIdKind, company_ids
from omreview.model import Source
from omreview.records import FormRecord, Text
from omreview.validators.context import Context
from omreview.validators.sought import form_field

# The form's cells that may hold a company identifier, by field name: the credit code's, and the
# registration number's and organisation code's where the form reader fills them.
IDENTIFIER_FIELDS = ("credit_code", "registration_number", "org_code")
_CELL_NAMES = {"credit_code": "统一社会信用代码", "registration_number": "营业执照注册号", "org_code": "组织机构代码"}


@dataclass(frozen=True)
class FoundId:
    company_id: CompanyId
    source: Source


def identifier_cells(form: FormRecord) -> list[tuple[str, Text]]:
    """(field name, value) of each identifier cell the form reader filled."""
    out = []
    for name in IDENTIFIER_FIELDS:
        value = getattr(form, name, None)  # registration_number, org_code: fields the form reader is adding
        if isinstance(value, Text):
            out.append((name, value))
    return out


def form_identifiers(ctx: Context) -> tuple[list[FoundId], list[str]]:
    """Every company identifier of the form (each once), and a note for each cell that holds none."""
    form = ctx.inputs.form
    if form is None:
        return [], []
    found: dict[tuple[CompanyIdKind, str], FoundId] = {}
    notes: list[str] = []
    for name, cell in identifier_cells(form):
        ids = company_ids(cell.value)
        for company_id in ids:
            found.setdefault((company_id.kind, company_id.number), FoundId(company_id, cell.source))
        if not ids:
            kinds = "、".join(COMPANY_ID_NAMES.values())
            labels = ctx.rules.labels.form_fields.get(name)
            sought = form_field(ctx, name, "企业代码").sentence() if labels else "未找到企业代码"
            notes.append(f"申报表{_CELL_NAMES[name]}一栏的内容「{cell.value}」不是{kinds}中的任何一种，视为{sought}。")
    return list(found.values()), notes


def first_of_each_kind(found: list[FoundId]) -> dict[CompanyIdKind, str]:
    """The first identifier of each kind, as usually written (``12345678-9``)."""
    out: dict[CompanyIdKind, str] = {}
    for f in found:
        out.setdefault(f.company_id.kind, f.company_id.shown)
    return out
