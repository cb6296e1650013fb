"""申报表 reading, against every sample packet's expected figures and against real blank forms."""

import json
from decimal import Decimal

import pytest

from extractors.form_docx import extract
from pipeline.model import DocumentKind
from pipeline.packet import load_packet
from pipeline.records import KeyRole
from pipeline.rules import default_rules
from tests.conftest import REALDOCS, ROOT, SAMPLE_DOCS

RULES = default_rules()
GOLDEN = ROOT / "tests" / "golden" / "samples"
PACKETS = sorted(p.name for p in SAMPLE_DOCS.iterdir() if p.is_dir()) if SAMPLE_DOCS.exists() else []


def _forms(packet: str):
    golden = json.loads((GOLDEN / f"{packet}.json").read_text(encoding="utf-8"))
    for pf in load_packet(SAMPLE_DOCS / packet).files:
        if golden["documents"][pf.rel]["kind"] == "application_form":
            yield pf, golden


@pytest.mark.parametrize("packet", PACKETS)
def test_sample_form_figures(packet):
    forms = list(_forms(packet))
    assert len(forms) == 1
    pf, golden = forms[0]
    result = extract(pf, RULES)
    assert result.kind is DocumentKind.APPLICATION_FORM and result.error is None
    form, expected = result.record, golden["figures"]
    assert form.company_name.value == golden["name"]
    assert form.credit_code.value == golden["credit_code"]
    assert form.registered_capital.value == Decimal(expected["registered_capital"])
    assert form.founded_date.value.isoformat() == expected["founded_date"]
    assert form.om_start_date.value.isoformat() == expected["om_start_date"]
    people = {p.role: p for p in form.key_persons}
    assert people[KeyRole.PRINCIPAL].mgmt_years.value == expected["principal_mgmt_years"]
    assert people[KeyRole.TECH_LEAD].om_years.value == expected["tech_lead_om_years"]
    assert people[KeyRole.TECH_LEAD].title.value == expected["tech_lead_title"]
    assert people[KeyRole.FINANCE_LEAD].title.value == expected["finance_lead_title"]
    assert [d.year for d in form.declared_years] == [2009, 2010, 2011]
    assert all(d.total_revenue is not None and d.om_revenue is not None for d in form.declared_years)
    assert form.projects and form.software and form.declared_staff_count is not None
    assert form.warnings == []
    # provenance: table index and A1 cell of the .docx
    src = form.registered_capital.source
    assert src.file == pf.rel and src.table is not None and src.cell and src.sha256 == pf.sha256


@pytest.mark.parametrize(
    "name", ["dengfeng_dengjibiao.docx", "jichuang_shenqingbiao.docx", "soil_luntan_baomingbiao.docx"]
)
def test_real_blank_forms_are_not_application_forms(name):
    """Real 登记表/申请表/报名表 with merged and nested cells: read without error, recognised as not ours."""
    folder = REALDOCS / "docx"
    if not folder.exists():
        pytest.skip("../shared/realdocs not present")
    pf = next(f for f in load_packet(folder).files if f.rel == name)
    result = extract(pf, RULES)
    assert result.error is None and result.kind is DocumentKind.UNKNOWN
