"""The attachments of a sample applicant: copies of its projects' contracts and of its certificates.

Each contract is drawn for one project of the form (``backs``: the project's place in ``Applicant.projects``,
0-based) or for none (an undeclared contract), from that project's client, amount and period unless a scenario
plants something else: a padded form (the form declares more than the contract says), figures and words apart, a
contract for equipment supply. Contracts are written one per file as text PDFs, as a scan, as .docx, or several
in one PDF (a bundle). Certificates are the applicant's own unless a scenario plants another holder or an expired
one. File names follow the applicant's own naming style (``附件7.pdf``, ``scan0012.pdf``): the documents are told
by their content, never their names.

Everything here is truth for the oracle (``samplegen/oracle.py``), which never reads a generated file.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import certificates, contracts
from .contracts import TITLES, Contract
from .params import ScanStyle

if TYPE_CHECKING:
    from .params import Applicant, Project

Form = Literal["pdf", "scan", "docx"]
_VERSION = re.compile(r"\s*(V\d+(?:\.\d+)*)$")
_LEVELS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
_CONTRACT_SCAN = ScanStyle(dpi=150, skew=0.6, seal_signature=False, noise=3.0)
_CERTIFICATE_SCAN = ScanStyle(dpi=200, skew=-0.8, seal_signature=False, noise=3.0)


@dataclass(frozen=True)
class ContractFile:
    """One file of contracts: one contract, or several bundled one after another."""

    name: str
    form: Form
    contracts: tuple[Contract, ...]
    backs: tuple[int | None, ...]  # for each contract, the project it is the contract of (None: none declared)


@dataclass(frozen=True)
class CertificateFile:
    name: str
    form: Form
    params: certificates.Params
    layout: str = "one_column"


@dataclass(frozen=True)
class Attachments:
    contracts: tuple[ContractFile, ...] = ()
    certificates: tuple[CertificateFile, ...] = ()

    def filed(self) -> list[tuple[Contract, int | None]]:
        """Every contract in the folder's order (files by name, then their order in the file), with its project."""
        return [(c, backs) for f in sorted(self.contracts, key=lambda f: f.name)
                for c, backs in zip(f.contracts, f.backs, strict=True)]

    def names(self) -> dict[str, str]:
        """File name -> the document kind a reader should see in it."""
        out = {f.name: "contract" for f in self.contracts}
        out |= {f.name: "business_license" if isinstance(f.params, certificates.Licence) else "certificate"
                for f in self.certificates}
        return out


# --- drawn from the applicant ---------------------------------------------------------------------------------


def months(p: Project) -> int:
    return (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1


def contract_for(a: Applicant, index: int, rng: random.Random, **changes: object) -> Contract:
    """The contract of the applicant's project ``index`` as the project says (an O&M contract with the applicant
    as 乙方), in a layout drawn from ``rng``; ``changes`` plant a difference."""
    p = a.projects[index]
    drawn = contracts.contract(f"{a.id}-{index}-{rng.random()}")
    made = replace(drawn, title=rng.choice(TITLES["om"]).format(client=p.client), client=p.client,
                   provider=a.facts.name, amount=p.amount, start=p.start, months=months(p),
                   signed=p.start - dt.timedelta(days=rng.randint(5, 40)), nature="om",
                   number=f"{drawn.number.split('-')[0]}-{p.start.year}-{index + 1:03d}",
                   period=drawn.period if drawn.period != "year" or months(p) == 12 else "range")
    return replace(made, **changes)  # type: ignore[arg-type]


def equipment(c: Contract, rng: random.Random) -> Contract:
    """The same client, amount and period, but a contract to supply equipment, not O&M work."""
    return replace(c, nature="equipment", title=rng.choice(TITLES["equipment"]), subject_line=False)


def own_certificates(a: Applicant, rng: random.Random) -> list[certificates.Params]:
    """The applicant's certificates as its form declares them: a 软件著作权登记证书 per copyright row, the ITSS
    符合性证书 (when it has one), the 系统集成资质证书 and the 营业执照."""
    f = a.facts
    out: list[certificates.Params] = []
    for c in a.copyrights:
        version = _VERSION.search(c.software)
        name = _VERSION.sub("", c.software)
        copyright = certificates.copyright_params(rng, c.holder)
        out.append(replace(copyright, registration_number=c.number, software_name=name,
                           version=version.group(1) if version else "V1.0"))
    if f.itss_cert_no:
        itss = certificates.credential_params(rng, "itss", f.name)
        out.append(replace(itss, number=f.itss_cert_no, issued=dt.date(2011, 9, 20),
                           valid_from=dt.date(2011, 9, 20), valid_until=dt.date(2014, 9, 19)))
    level = _LEVELS[f.si_level]
    issued = dt.date(f.si_valid_until.year - 4, 1, 10)
    si = certificates.credential_params(rng, "si_qualification", f.name)
    out.append(replace(si, number=f.si_cert_no, level=level, level_written=certificates.LEVEL_CAPITALS[level],
                       issued=issued, valid_from=issued, valid_until=f.si_valid_until))
    principal = a.person("principal")
    licence = certificates.licence_params(rng, f.name, principal.name if principal else "张某")
    out.append(replace(licence, credit_code=f.credit_code, registration_number=None, capital=f.registered_capital,
                       founded=f.founded, term_end=f.founded.replace(year=f.founded.year + 20)))
    return out


def file_name(a: Applicant, n: int, suffix: str) -> str:
    """The ``n``-th attachment's name in the applicant's own naming style (its form's name, another number)."""
    stem = Path(a.files.form).stem
    digits = re.search(r"\d+", stem)
    if digits is None:
        return f"{stem}_{n}{suffix}"
    number = str(40 + n).zfill(len(digits.group()))
    return f"{stem[: digits.start()]}{number}{stem[digits.end():]}{suffix}"


# --- written ------------------------------------------------------------------------------------------------------


def write(a: Applicant, folder: Path) -> None:
    """Write the applicant's attachments into ``folder``."""
    attached: Attachments | None = a.attachments
    if attached is None:
        return
    for f in attached.contracts:
        path = folder / f.name
        if f.form == "docx":
            contracts.write_docx(path, f.contracts[0])
        elif f.form == "scan":
            contracts.write_scan(path, list(f.contracts), seed=f"contract:{a.id}:{f.name}", style=_CONTRACT_SCAN)
        else:
            contracts.write_pdf(path, list(f.contracts))
    for c in attached.certificates:
        path = folder / c.name
        if c.form == "docx":
            certificates.write_docx(path, c.params)
        elif c.form == "scan":
            certificates.write_scan(path, c.params, c.layout, seed=f"certificate:{a.id}:{c.name}",
                                    style=_CERTIFICATE_SCAN)
        else:
            certificates.write_pdf(path, c.params, c.layout)
