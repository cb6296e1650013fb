"""Certificates and the business licence held against the form (#18 point 4).

The attachments read by ``extractors/attachments/certificates.py`` are evidence on the checks they concern and
raise discrepancies where they disagree with the form or the application:

- 软件著作权登记证书 against the form's software-copyright table (T1, B2c): a certificate is linked to the table's
  row with the same 登记号, else with the same software name (spaces, brackets and a version left out); its holder
  not the applicant is ``software_copyright.holder.itemN``, its 登记号 not the row's ``software_copyright.number.itemN``
  (the names the form's own copyright faults use); a certificate that backs no row is a note;
- ITSS 符合性证书 (G5) and 系统集成资质证书 (P1): the number against the form's (``certificate.number.<type>``), the
  holder against the applicant (``certificate.holder.<type>``), the level against the form's
  (``certificate.level.si_qualification``) and the validity against the application date ``D``
  (``certificate.expired.<type>``);
- 营业执照 (G2 and the company identifiers): its registered capital is the one G2 judges (CONDITIONS.md: the
  licence, where one is present) and the figure ``registered_capital``; its name, identifiers, registered capital,
  founding date and term against the form's: ``license.name``, ``license.credit_code``,
  ``license.registration_number``, ``license.credit_code.invalid`` / ``license.registration_number.invalid`` (a wrong
  check character), ``license.registered_capital``, ``license.founded_date``, ``license.expired``.

Company names are compared by ``contracts.client_key`` (NFKC, no spaces or brackets, company suffixes off). A value
the reader did not find on a certificate is no evidence either way: it neither passes nor fails anything. Where the
folder holds no certificate and no licence, nothing here changes a check, a figure, a discrepancy or a note. The
licence's 法定代表人 is never used or shown here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence

from omreview.amounts import agree, yuan_str
from omreview.identifiers import CompanyIdKind, is_valid_software_copyright
from omreview.model import Check, CheckStatus, Discrepancy, DiscrepancyValue, Figure, Source
from omreview.records import (
    DateValue,
    FormRecord,
    ItssCertificate,
    LicenseRecord,
    SiQualificationCertificate,
    SoftwareCopyright,
    SoftwareCopyrightCertificate,
    Text,
)
from omreview.rules import CheckRule
from omreview.text import norm
from omreview.validators import checks_company as company
from omreview.validators.checks_projects import in_window, own_software, qualifying, uses_own_tool
from omreview.validators.company_ids import form_identifiers
from omreview.validators.context import Context
from omreview.validators.contracts import client_key

PASS, FAIL, REVIEW, MISSING = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW, CheckStatus.MISSING
Credential = ItssCertificate | SiQualificationCertificate
_NAMES = {"itss": "ITSS符合性证书", "si_qualification": "系统集成资质证书"}
_FORM_NUMBER = {"itss": "itss_cert_number", "si_qualification": "si_cert_number"}


def _value(value: str, source: Source | None) -> DiscrepancyValue:
    return DiscrepancyValue(value=value, source=source)


def _compact(text: str) -> str:
    """A number as compared: NFKC, upper case, no spaces, hyphens or dots."""
    return re.sub(r"[\s\-－—_.·]", "", unicodedata.normalize("NFKC", text)).upper()


def _applicant(ctx: Context) -> Text | None:
    form = ctx.inputs.form
    return form.company_name if form is not None else None


def _other_holder(ctx: Context, holder: Text | None) -> bool:
    """The holder was read and is not the applicant (the applicant's name known)."""
    me = _applicant(ctx)
    return holder is not None and me is not None and client_key(holder.value, ctx.rules) != client_key(
        me.value, ctx.rules)


# --- the attachments of the folder ----------------------------------------------------------------------------


def copyright_certificates(ctx: Context) -> list[SoftwareCopyrightCertificate]:
    return [c for _, c in ctx.inputs.certificates if isinstance(c, SoftwareCopyrightCertificate)]


def _credentials(ctx: Context, kind: str) -> list[Credential]:
    wanted = ItssCertificate if kind == "itss" else SiQualificationCertificate
    return [c for _, c in ctx.inputs.certificates if isinstance(c, wanted)]


def credential(ctx: Context, kind: str) -> Credential | None:
    """The ITSS (``itss``) or system-integration (``si_qualification``) certificate held against the form: the one
    whose number is the form's, else the one valid longest (one without a date last), else none attached."""
    found = _credentials(ctx, kind)
    form = ctx.inputs.form
    number = getattr(form, _FORM_NUMBER[kind]) if form is not None else None
    same = [c for c in found if number is not None and c.number is not None
            and _compact(c.number.value) == _compact(number.value)]
    if same:
        return same[0]
    dated = sorted((c for c in found if c.valid_until is not None), key=lambda c: c.valid_until.value if c.valid_until
                   else dt.date.min, reverse=True)
    return dated[0] if dated else (found[0] if found else None)


def licence(ctx: Context) -> LicenseRecord | None:
    """The first licence of the folder (the report's file order)."""
    return ctx.inputs.licenses[0][1] if ctx.inputs.licenses else None


def own_licence(ctx: Context) -> LicenseRecord | None:
    """The licence, unless its name was read and is another company's (then its values are no evidence on the
    applicant: only ``license.name`` and a wrong check character are reported)."""
    lic = licence(ctx)
    return None if lic is None or _other_holder(ctx, lic.name) else lic


# --- software copyrights: certificates linked to the form's rows -----------------------------------------------


def _name_key(name: str, ctx: Context) -> str:
    key = re.sub(ctx.rules.labels.certificate_fields.version_pattern, "", norm(name))
    return "".join(ch for ch in unicodedata.normalize("NFKC", key) if ch not in "()（）《》<>")


def _same_software(s: SoftwareCopyright, c: SoftwareCopyrightCertificate, ctx: Context) -> bool:
    if c.software_name is None:
        return False
    mine, theirs = _name_key(s.name.value, ctx), _name_key(c.software_name.value, ctx)
    shorter = min(len(mine), len(theirs))
    shortest = ctx.rules.certificate_checks.software_name_min_chars
    return mine == theirs or (shorter >= shortest and (mine in theirs or theirs in mine))


def linked_copyrights(ctx: Context) -> dict[int, SoftwareCopyrightCertificate]:
    """The form's software-copyright rows (1-based) each with its certificate: the same 登记号 first, then the same
    software name; each certificate and each row used once."""
    form = ctx.inputs.form
    if form is None:
        return {}
    out: dict[int, SoftwareCopyrightCertificate] = {}
    left = list(copyright_certificates(ctx))
    rows = list(enumerate(form.software, 1))
    for by_name in (False, True):
        for i, s in rows:
            if i in out:
                continue
            c = next((c for c in left if (_same_software(s, c, ctx) if by_name else _same_number(s, c))), None)
            if c is not None:
                out[i] = c
                left.remove(c)
    return out


def _same_number(s: SoftwareCopyright, c: SoftwareCopyrightCertificate) -> bool:
    return (s.number is not None and c.registration_number is not None
            and _compact(s.number.value) == _compact(c.registration_number.value))


def _number_differs(s: SoftwareCopyright, c: SoftwareCopyrightCertificate, ctx: Context) -> bool:
    """The row's 登记号, well formed, is not the certificate's (a malformed or missing one is already reported)."""
    return (s.number is not None and c.registration_number is not None
            and is_valid_software_copyright(s.number.value, ctx.rules)
            and _compact(s.number.value) != _compact(c.registration_number.value))


def _holder_differs(s: SoftwareCopyright, c: SoftwareCopyrightCertificate, ctx: Context) -> bool:
    """The certificate's holder is not the applicant while the row does not already say another holder."""
    return _other_holder(ctx, c.holder) and not _other_holder(ctx, s.holder)


def contradicted(ctx: Context) -> dict[int, str]:
    """The form's copyright rows their certificate contradicts (holder or 登记号), each with why, in plain Chinese."""
    form = ctx.inputs.form
    out: dict[int, str] = {}
    if form is None:
        return out
    for i, c in linked_copyrights(ctx).items():
        s = form.software[i - 1]
        why = []
        if c.holder is not None and _other_holder(ctx, c.holder):
            why.append(f"证书著作权人为{c.holder.value}")
        if _number_differs(s, c, ctx) and c.registration_number is not None:
            why.append(f"证书登记号为{c.registration_number.value}")
        if why:
            out[i] = "，".join(why)
    return out


def _copyright_source(c: SoftwareCopyrightCertificate) -> Source | None:
    value = c.registration_number or c.software_name or c.holder
    return value.source if value is not None else None


def _copyright_discrepancies(ctx: Context) -> list[Discrepancy]:
    form, me = ctx.inputs.form, _applicant(ctx)
    out: list[Discrepancy] = []
    if form is None:
        return out
    for i, c in linked_copyrights(ctx).items():
        s = form.software[i - 1]
        if _number_differs(s, c, ctx) and s.number is not None and c.registration_number is not None:
            out.append(Discrepancy(
                figure=f"software_copyright.number.item{i}",
                message=(f"软件著作权「{s.name.value}」的登记号：申报表为{s.number.value}，"
                         f"登记证书为{c.registration_number.value}，不一致。"),
                values=[_value(s.number.value, s.number.source),
                        _value(c.registration_number.value, c.registration_number.source)]))
        if _holder_differs(s, c, ctx) and c.holder is not None and me is not None:
            out.append(Discrepancy(
                figure=f"software_copyright.holder.item{i}",
                message=f"软件著作权「{s.name.value}」的登记证书著作权人为{c.holder.value}，不是申报企业。",
                values=[_value(c.holder.value, c.holder.source), _value(me.value, me.source)]))
    return out


def _as_row(c: SoftwareCopyrightCertificate) -> SoftwareCopyright | None:
    """A certificate as a row of the form's table, to match project tools with (``uses_own_tool``)."""
    if c.software_name is None:
        return None
    return SoftwareCopyright(name=c.software_name, number=c.registration_number, holder=c.holder)


def _certified_own(ctx: Context) -> list[tuple[SoftwareCopyrightCertificate, SoftwareCopyright]]:
    """The certificates held by the applicant with a well-formed 登记号, as rows."""
    me = _applicant(ctx)
    out = []
    for c in copyright_certificates(ctx):
        row = _as_row(c)
        if (row is not None and me is not None and c.holder is not None and not _other_holder(ctx, c.holder)
                and c.registration_number is not None
                and is_valid_software_copyright(c.registration_number.value, ctx.rules)):
            out.append((c, row))
    return out


# --- ITSS and system-integration certificates ------------------------------------------------------------------


def _expired(c: Credential, ctx: Context) -> bool:
    return c.valid_until is not None and c.valid_until.value < ctx.application_date


def _credential_number_differs(ctx: Context, kind: str, c: Credential) -> bool:
    form = ctx.inputs.form
    number = getattr(form, _FORM_NUMBER[kind]) if form is not None else None
    return number is not None and c.number is not None and _compact(number.value) != _compact(c.number.value)


def _form_level(ctx: Context) -> int | None:
    form = ctx.inputs.form
    level = form.si_cert_level if form is not None else None
    return ctx.rules.labels.certificate_fields.level_number(level.value) if level is not None else None


def _level_differs(ctx: Context, kind: str, c: Credential) -> bool:
    if kind != "si_qualification" or c.level is None or c.level.number is None:
        return False
    mine = _form_level(ctx)
    return mine is not None and mine != c.level.number


def _credential_sources(c: Credential) -> list[Source]:
    values = (c.number, c.holder, c.level.written if c.level else None, c.valid_until)
    return [v.source for v in values if v is not None]


def _credential_discrepancies(ctx: Context, kind: str) -> list[Discrepancy]:
    c = credential(ctx, kind)
    form, me = ctx.inputs.form, _applicant(ctx)
    if c is None or form is None:
        return []
    name, out = _NAMES[kind], []
    number = getattr(form, _FORM_NUMBER[kind])
    if _credential_number_differs(ctx, kind, c) and c.number is not None:
        out.append(Discrepancy(figure=f"certificate.number.{kind}",
                               message=f"{name}编号：申报表为{number.value}，所附证书为{c.number.value}，不一致。",
                               values=[_value(number.value, number.source), _value(c.number.value, c.number.source)]))
    if _other_holder(ctx, c.holder) and c.holder is not None and me is not None:
        out.append(Discrepancy(figure=f"certificate.holder.{kind}",
                               message=f"所附{name}的持有人为{c.holder.value}，不是申报企业。",
                               values=[_value(c.holder.value, c.holder.source), _value(me.value, me.source)]))
    if _level_differs(ctx, kind, c) and c.level is not None and form.si_cert_level is not None:
        out.append(Discrepancy(
            figure=f"certificate.level.{kind}",
            message=f"{name}等级：申报表为{form.si_cert_level.value}，所附证书为{c.level.written.value}，不一致。",
            values=[_value(form.si_cert_level.value, form.si_cert_level.source),
                    _value(c.level.written.value, c.level.written.source)]))
    if _expired(c, ctx) and c.valid_until is not None:
        until = c.valid_until.value.isoformat()
        out.append(Discrepancy(figure=f"certificate.expired.{kind}",
                               message=f"所附{name}有效期至{until}，申请日{ctx.application_date.isoformat()}已过期。",
                               values=[_value(until, c.valid_until.source)]))
    return out


# --- the business licence ----------------------------------------------------------------------------------------


def _same_date(a: DateValue, b: DateValue) -> bool:
    """Two dates agree to the coarser precision either was written in (2001年3月 agrees with 2001-03-15)."""
    precision = {"year": 0, "month": 1, "day": 2}
    coarser = min(precision[a.precision], precision[b.precision])
    return (a.value.year, a.value.month, a.value.day)[: coarser + 1] == (
        b.value.year, b.value.month, b.value.day)[: coarser + 1]


def _form_id(ctx: Context, kind: CompanyIdKind) -> tuple[str, Source] | None:
    found = next((f for f in form_identifiers(ctx)[0] if f.company_id.kind is kind), None)
    return (found.company_id.number, found.source) if found is not None else None


_LICENCE_IDS = (("credit_code", CompanyIdKind.CREDIT_CODE, "统一社会信用代码"),
                ("registration_number", CompanyIdKind.REGISTRATION_NUMBER, "注册号"))


def _licence_ids(ctx: Context, lic: LicenseRecord) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    for field, kind, what in _LICENCE_IDS:
        value: Text | None = getattr(lic, field)
        if value is None:
            continue
        mine = _form_id(ctx, kind)
        problem = lic.identifier_problems.get(field)
        if problem is not None:
            differs = f"，与申报表的{mine[0]}不同" if mine is not None and mine[0] != _compact(value.value) else ""
            out.append(Discrepancy(figure=f"license.{field}.invalid",
                                   message=f"营业执照{what}{value.value}：{problem}{differs}。",
                                   values=[_value(value.value, value.source)]))
        elif mine is not None and mine[0] != _compact(value.value):
            out.append(Discrepancy(figure=f"license.{field}",
                                   message=f"{what}：申报表为{mine[0]}，营业执照为{value.value}，不一致。",
                                   values=[_value(mine[0], mine[1]), _value(value.value, value.source)]))
    return out


def _licence_discrepancies(ctx: Context) -> list[Discrepancy]:
    lic, form, me = licence(ctx), ctx.inputs.form, _applicant(ctx)
    if lic is None or form is None:
        return []
    out: list[Discrepancy] = []
    if _other_holder(ctx, lic.name) and lic.name is not None and me is not None:
        out.append(Discrepancy(figure="license.name", message=f"营业执照的名称为{lic.name.value}，不是申报企业。",
                               values=[_value(lic.name.value, lic.name.source), _value(me.value, me.source)]))
    if own_licence(ctx) is None:
        return out + [d for d in _licence_ids(ctx, lic) if d.figure.endswith(".invalid")]
    out += _licence_ids(ctx, lic)
    mine, theirs = form.registered_capital, lic.registered_capital
    if mine is not None and theirs is not None and not agree(mine.amount(), theirs.amount()):
        out.append(Discrepancy(
            figure="license.registered_capital",
            message=f"注册资本：申报表{yuan_str(mine.value)}元，营业执照{yuan_str(theirs.value)}元，不一致。",
            values=[_value(yuan_str(mine.value), mine.source), _value(yuan_str(theirs.value), theirs.source)]))
    founded, read = form.founded_date, lic.founded
    if founded is not None and read is not None and not _same_date(founded, read):
        out.append(Discrepancy(
            figure="license.founded_date",
            message=f"成立日期：申报表为{founded.value.isoformat()}，营业执照为{read.value.isoformat()}，不一致。",
            values=[_value(founded.value.isoformat(), founded.source), _value(read.value.isoformat(), read.source)]))
    end = lic.term_end
    if end is not None and not lic.term_unlimited and end.value < ctx.application_date:
        out.append(Discrepancy(
            figure="license.expired",
            message=f"营业执照营业期限至{end.value.isoformat()}，申请日{ctx.application_date.isoformat()}已届满。",
            values=[_value(end.value.isoformat(), end.source)]))
    return out


# --- what evaluate.py and discrepancies.py call ----------------------------------------------------------------


def discrepancies(ctx: Context) -> list[Discrepancy]:
    """Every disagreement of the certificates and the licence with the form or the application; ``[]`` without."""
    return [*_copyright_discrepancies(ctx), *_credential_discrepancies(ctx, "si_qualification"),
            *_credential_discrepancies(ctx, "itss"), *_licence_discrepancies(ctx)]


def figures(ctx: Context) -> dict[str, Figure]:
    """The licence's registered capital and founding date, which outrank the form's (CONDITIONS.md)."""
    lic = own_licence(ctx)
    out: dict[str, Figure] = {}
    if lic is None:
        return out
    if lic.registered_capital is not None:
        out["registered_capital"] = Figure.money(lic.registered_capital.amount(), lic.registered_capital.source)
    if lic.founded is not None:
        out["founded_date"] = Figure.date(lic.founded.value, lic.founded.source)
    return out


def notes(ctx: Context) -> list[str]:
    """What a reviewer should know that is no discrepancy: certificates that back no row of the form, and a second
    certificate of a kind or licence not held against the form."""
    out: list[str] = []
    linked = [id(c) for c in linked_copyrights(ctx).values()]
    for file, c in ctx.inputs.certificates:
        if isinstance(c, SoftwareCopyrightCertificate) and id(c) not in linked:
            name = c.software_name.value if c.software_name else "（软件名称未读到）"
            number = f"（登记号{c.registration_number.value}）" if c.registration_number else ""
            out.append(f"{file}：软件著作权登记证书「{name}」{number}未见于申报表的软件著作权表。")
    for kind, name in _NAMES.items():
        used = credential(ctx, kind)
        taken = used.number.value if used is not None and used.number is not None else "另一份"
        for file, other in ctx.inputs.certificates:
            if any(other is x for x in _credentials(ctx, kind)) and other is not used:
                shown = other.number.value if isinstance(other, Credential) and other.number else "（编号未读到）"
                out.append(f"{file}：另附{name}{shown}，未与申报表核对（已采用{taken}）。")
    out += [f"{file}：另一份营业执照，未采用" for file, _ in ctx.inputs.licenses[1:]]
    return out


def _rule(ctx: Context, check_id: str) -> CheckRule:
    return next(r for r in ctx.rules.checks if r.id == check_id)


def _with_form(ctx: Context, form: FormRecord) -> Context:
    return dataclasses.replace(ctx, inputs=dataclasses.replace(ctx.inputs, form=form))


def _append(check: Check, sentence: str = "", evidence: Sequence[Source | None] = (),
            status: CheckStatus | None = None, values: dict[str, str | int | None] | None = None) -> Check:
    sources = [*check.evidence, *(s for s in evidence if s is not None)]
    unique = list({s.model_dump_json(): s for s in sources}.values())
    return check.model_copy(update={"message": check.message + sentence, "evidence": unique,
                                    "status": status or check.status, "values": {**check.values, **(values or {})}})


def amend(checks: list[Check], ctx: Context) -> list[Check]:
    """``checks`` with the certificates and the licence as evidence on P1, G2, G5, T1 and B2c; unchanged (the same
    objects) where the folder holds none of them."""
    if not ctx.inputs.certificates and not ctx.inputs.licenses:
        return checks
    amenders: dict[str, Callable[[Check, Context], Check]] = {
        "P1": lambda c, x: _credential_check(c, x, "si_qualification"),
        "G5": lambda c, x: _credential_check(c, x, "itss"), "G2": _g2, "T1": _t1, "B2c": amend_b2c}
    return [amenders[c.id](c, ctx) if c.id in amenders else c for c in checks]


def _g2(check: Check, ctx: Context) -> Check:
    """G2 judged on the licence's registered capital (the form's cross-checked: ``license.registered_capital``)."""
    lic, form = own_licence(ctx), ctx.inputs.form
    if lic is None or lic.registered_capital is None or form is None:
        return check
    judged = company.check_g2(_with_form(ctx, form.model_copy(update={"registered_capital": lic.registered_capital})),
                              _rule(ctx, "G2"))
    return _append(judged, "（注册资本取自营业执照。）", values={"registered_capital_source": "license"})


def _filled(ctx: Context, kind: str, c: Credential) -> FormRecord | None:
    """The form with the certificate's values where the form's were not found (nor written as none)."""
    form = ctx.inputs.form
    if form is None:
        return None
    fields: dict[str, Text | DateValue | None] = {_FORM_NUMBER[kind]: c.number}
    if kind == "si_qualification":
        fields |= {"si_cert_level": c.level.written if c.level else None, "si_cert_valid_until": c.valid_until}
    update = {k: v for k, v in fields.items()
              if v is not None and getattr(form, k) is None and form.none_written(k) is None}
    return form.model_copy(update=update) if update else form


def _credential_check(check: Check, ctx: Context, kind: str) -> Check:
    """P1 (``si_qualification``) or G5 (``itss``) with its certificate: judged again with the certificate's values
    where the form's were not found; an expired certificate (whose number is the form's) fails it; a holder, number
    or level that is not the form's sends it to a reviewer; an explicit "none" on the form beside a certificate
    too."""
    c = credential(ctx, kind)
    form = _filled(ctx, kind, c) if c is not None else None
    if c is None or form is None:
        return check
    judge = company.check_p1 if kind == "si_qualification" else company.check_g5
    judged = judge(_with_form(ctx, form), _rule(ctx, check.id)) if form is not ctx.inputs.form else check
    name, evidence = _NAMES[kind], _credential_sources(c)
    if _expired(c, ctx) and c.valid_until is not None and not _credential_number_differs(ctx, kind, c) \
            and not _form_valid(ctx, kind):
        until = c.valid_until.value.isoformat()
        return _append(judged, f"所附{name}有效期至{until}，申请日已过期。", evidence, FAIL)
    doubts = []
    if _other_holder(ctx, c.holder) and c.holder is not None:
        doubts.append(f"持有人为{c.holder.value}")
    if _credential_number_differs(ctx, kind, c) and c.number is not None:
        doubts.append(f"编号为{c.number.value}")
    if _level_differs(ctx, kind, c) and c.level is not None:
        doubts.append(f"等级为{c.level.written.value}")
    if c.holder is None and judged.status is PASS and form is not ctx.inputs.form:
        doubts.append("持有人未读到")  # the form named none: only the certificate could tell whose it is
    if _expired(c, ctx) and c.valid_until is not None:
        doubts.append(f"有效期至{c.valid_until.value.isoformat()}，已过期")
    if doubts:
        status = REVIEW if judged.status in (PASS, FAIL) else judged.status
        return _append(judged, f"所附{name}{'，'.join(doubts)}，与申报表不符，请核实。", evidence, status)
    if judged.status is FAIL and not _form_expired(ctx, kind, c):  # the form says none; a certificate is attached
        return _append(judged, f"但附有{name}{c.number.value if c.number else ''}，请核实。", evidence, REVIEW)
    if judged.status is PASS:
        return _append(judged, f"所附{name}与申报表一致。", evidence)
    return _append(judged, "", evidence)


def _form_valid(ctx: Context, kind: str) -> bool:
    """The form itself gives a validity date on or after ``D`` (a certificate saying otherwise is for a reviewer)."""
    form = ctx.inputs.form
    until = form.si_cert_valid_until if form is not None and kind == "si_qualification" else None
    return until is not None and until.value >= ctx.application_date


def _form_expired(ctx: Context, kind: str, c: Credential) -> bool:
    """The form's own validity date had passed on ``D`` and the certificate says no later one."""
    form = ctx.inputs.form
    until = form.si_cert_valid_until if form is not None and kind == "si_qualification" else None
    if until is None or until.value >= ctx.application_date:
        return False
    return c.valid_until is None or c.valid_until.value < ctx.application_date


def _t1(check: Check, ctx: Context) -> Check:
    """T1 with the copyright certificates: those that back a counted row are its evidence; rows their certificate
    contradicts no longer carry a pass alone; a certificate of the applicant's software named by a project, where
    the form counts none, sends the check to a reviewer rather than failing it."""
    if not copyright_certificates(ctx) or ctx.inputs.form is None:
        return check
    form = ctx.inputs.form
    linked, against = linked_copyrights(ctx), contradicted(ctx)
    projects = in_window(ctx) or list(form.projects)
    own = [(i, s) for i, s in enumerate(form.software, 1) if any(s is o for o in own_software(ctx))]
    used = [(i, s) for i, s in own if any(uses_own_tool(p, [s]) for p in projects)]
    evidence = [_copyright_source(linked[i]) for i, _ in own if i in linked and i not in against]
    if check.status is PASS and used and all(i in against for i, _ in used):
        shown = "；".join(f"「{s.name.value}」{against[i]}" for i, s in used)
        message = f"项目应用的本企业软件与所附登记证书不符（{shown}），请核实。"
        return _append(check, message, [_copyright_source(linked[i]) for i, _ in used], REVIEW)
    if check.status in (FAIL, MISSING):
        certified = [(c, row) for c, row in _certified_own(ctx) if any(uses_own_tool(p, [row]) for p in projects)]
        if certified:
            shown = "、".join(f"「{row.name.value}」（{row.number.value}）" for _, row in certified if row.number)
            message = f"所附登记证书显示本企业持有{shown}，并在项目中应用，请核实。"
            return _append(check, message, [_copyright_source(c) for c, _ in certified], REVIEW)
    if evidence and check.status is PASS:
        return _append(check, f"所附登记证书{len(evidence)}份与申报表一致。", evidence)
    return _append(check, "", evidence)


def amend_b2c(check: Check, ctx: Context) -> Check:
    """B2c with the copyright certificates: the certificates of the tools the B2b projects use are its evidence; a
    project whose own tools are all contradicted by their certificates does not pass on the form's word.

    Public for checks_projects.check_b2c to call where it builds B2c; ``amend`` calls it until then."""
    form = ctx.inputs.form
    if form is None or not copyright_certificates(ctx) or check.status is not PASS:
        return check
    linked, against = linked_copyrights(ctx), contradicted(ctx)
    software = own_software(ctx)
    rows = [(i, s) for i, s in enumerate(form.software, 1) if any(s is o for o in software)]
    doubtful: list[str] = []
    evidence: list[Source | None] = []
    for p in qualifying(ctx):
        tools = [(i, s) for i, s in rows if uses_own_tool(p, [s])]
        backed = [i for i, _ in tools if i not in against]
        evidence += [_copyright_source(linked[i]) for i in backed if i in linked]
        if tools and not backed:
            doubtful.append(f"「{p.name.value}」（{'；'.join(against[i] for i, _ in tools)}）")
    if doubtful:
        message = f"以下项目应用的软件与所附登记证书不符：{'、'.join(doubtful)}，请核实。"
        return _append(check, message, evidence, REVIEW)
    return _append(check, "", evidence)
