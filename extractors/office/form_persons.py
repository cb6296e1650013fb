"""Key persons (主要负责人, 运维技术负责人, 财务负责人) whatever the table.

A person's role is read, in this order, from a role column (类别, 岗位 …), from a role written
anywhere in the row (董事长（主要负责人）), or from the job title alone (董事长 → principal, 技术总监
→ tech_lead, 总会计师 → finance_lead; ``labels.key_person_posts``); a job title that implies a role
for two rows of one table implies it for neither (a warning says so). Layouts:

- a header-row table, one person per row (years in one column for every role, or one per kind);
- a table with the roles as columns and the attributes as rows;
- labelled cells: a title row naming the role then ``姓名 | 张三`` …, or labels that carry the role
  (``主要负责人姓名 | 张三 | 职称 | 高级工程师``), one to three pairs per row, labels left of or above
  their values.

A years column named for no role (相关工作年限) gives each role its own years
(``labels.key_person_own_years``: the principal's management, the tech lead's O&M years). A person
read from labelled cells counts only with something beyond a name and a job title (a 法定代表人 line
of the company's details is not the key persons' table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omreview.extractors.office.docx_grid import Grid, GridCell
from omreview.extractors.office.form_pairs import Pair
from omreview.extractors.office.form_tables import Context, Table, find_tables, is_section_row, record
from omreview.extractors.values import parse_count
from omreview.identifiers import mask_name
from omreview.model import Source
from omreview.records import Count, KeyPerson, KeyRole, Text

_TEXT = ("name", "post", "title", "specialty", "education")
_YEARS = ("mgmt_years", "om_years", "other_years")
_ATTRIBUTES = {"title", "specialty", "education", *_YEARS}
_IDENTIFYING = {"role", "title", "specialty", "education", *_YEARS}


@dataclass
class _Person:
    role: str
    origin: str  # where it was read, for messages
    values: dict[str, Text | Count] = field(default_factory=dict)
    stated: dict[str, Source] = field(default_factory=dict)  # written as none (无, —)
    blank: dict[str, Source] = field(default_factory=dict)  # left empty: none only in a row that says something

    def put(self, ctx: Context, key: str, text: str, source: Source, where: str) -> None:
        if key not in (*_TEXT, *_YEARS) or key in self.values:
            return
        if ctx.lex.is_none(text):
            self.stated.setdefault(key, source)
            return
        if ctx.lex.is_blank(text):
            self.blank.setdefault(key, source)
            return
        if key in _YEARS:
            n = parse_count(text)
            if n is None:
                ctx.warnings.append(f"{where}：无法识别年限「{text}」")
                return
            self.values[key] = Count(value=n, source=source)
        else:
            self.values[key] = Text(value=text, source=source)
        self.stated.pop(key, None)
        self.blank.pop(key, None)

    def says_something(self) -> bool:
        """A row with only its role printed (a blank template) is no person at all."""
        return bool(self.values or self.stated)

    def settle(self, ctx: Context) -> KeyPerson:
        if self.values:  # an empty cell of a row that is filled in is the applicant's none
            self.stated = {**self.blank, **self.stated}
        own = ctx.lex.rules.labels.key_person_own_years.get(self.role)
        generic = self.values.get("other_years")
        if own and own != "other_years" and own not in self.values and generic is not None:
            self.values[own] = self.values.pop("other_years")
            self.stated.pop(own, None)
        elif own and own != "other_years" and own not in self.values and "other_years" in self.stated:
            self.stated.setdefault(own, self.stated.pop("other_years"))
        stated = {k: v for k, v in self.stated.items() if k not in self.values}
        return record(KeyPerson, {"role": KeyRole(self.role), **self.values}, stated)

    def weight(self) -> int:
        return len(self.values)


# --- header-row tables ----------------------------------------------------------------------------


def _row_role(ctx: Context, table: Table, r: int) -> tuple[str | None, bool]:
    """(role, implied only by a job title) of a body row."""
    grid, lex = table.grid, ctx.lex
    cells = [grid.cell(r, c.col) for key in ("role", "post") for c in table.columns.get(key, [])]
    cells += [c for c in grid.distinct(r) if c not in cells]
    for cell in cells:
        if cell is not None and (role := lex.role_of(cell.text)):
            return role, False
    for cell in cells[: len(table.columns.get("role", [])) + len(table.columns.get("post", []))]:
        if cell is not None and (role := lex.post_role(cell.text)):
            return role, True
    return None, False


def _from_table(ctx: Context, table: Table) -> list[_Person]:
    keys = set(table.columns)
    if not keys & _IDENTIFYING:
        return []  # 姓名 | 职务 alone: a list of people, not the key persons
    rows: list[tuple[str, bool, int]] = []
    for r in table.body:
        role, implied = _row_role(ctx, table, r)
        if role is not None:
            rows.append((role, implied, r))
    out: list[_Person] = []
    for role, implied, r in rows:
        if implied and sum(1 for other, imp, _ in rows if other == role) > 1:
            ctx.warnings.append(f"表{table.grid.index + 1}第{r + 1}行：职务「{_post(table, r)}」所指的负责人类别"
                                "在表中不止一行，未据以认定")
            continue
        if any(p.role == role for p in out):
            continue
        person = _Person(role, f"表{table.grid.index + 1}")
        for key in (*_TEXT, *_YEARS):
            for column in table.columns.get(key, []):
                cell = table.grid.cell(r, column.col)
                if cell is not None:
                    person.put(ctx, key, cell.text, ctx.src(table.grid, cell, column.header),
                               ctx.where(table.grid, cell))
                    if key in person.values:
                        break
        out.append(person)
    return out


def _post(table: Table, r: int) -> str:
    for key in ("post", "role"):
        for column in table.columns.get(key, []):
            cell = table.grid.cell(r, column.col)
            if cell is not None and cell.text:
                return cell.text
    return ""


# --- roles as columns -----------------------------------------------------------------------------


def _transposed(ctx: Context, grid: Grid) -> tuple[list[_Person], set[int]]:
    lex = ctx.lex
    for r in range(len(grid.rows)):
        roles = {grid.span(c).left: role for c in grid.distinct(r)
                 if (role := lex.role_of(c.text)) and lex.person_label(c.text)[1] is None}
        if len(set(roles.values())) < 2:
            continue
        people = {col: _Person(role, f"表{grid.index + 1}") for col, role in roles.items()}
        used = {r}
        for b in range(r + 1, len(grid.rows)):
            if is_section_row(grid, lex, b):
                break
            first = next((c for c in grid.distinct(b) if not lex.is_blank(c.text)), None)
            column = lex.person_label(first.text)[1] if first is not None else None
            if first is None:
                continue
            if column is None or grid.span(first).left >= min(roles):
                break
            used.add(b)
            for col, person in people.items():
                cell = grid.cell(b, col)
                if cell is not None:
                    person.put(ctx, column, cell.text, ctx.src(grid, cell, f"{first.text}"),
                               ctx.where(grid, cell))
        return list(people.values()), used
    return [], set()


# --- labelled cells -------------------------------------------------------------------------------


def _from_pairs(ctx: Context, pairs: list[Pair]) -> list[_Person]:
    lex = ctx.lex
    out: list[_Person] = []
    current: _Person | None = None
    pending: list[tuple[str, Pair]] = []
    grid: Grid | None = None

    def start(role: str, pair: Pair) -> _Person:
        person = _Person(role, _where(ctx, pair))
        out.append(person)
        for key, earlier in pending:
            _assign(ctx, person, key, earlier)
        pending.clear()
        return person

    for pair in pairs:
        if pair.grid is not grid:
            grid, current = pair.grid, None
            pending.clear()
        role, column = lex.person_label(pair.label)
        if role is not None:
            current = start(role, pair)
            _assign(ctx, current, column or "name", pair)
            continue
        if column is None:
            if pair.reading.group == "form_fields":
                current = None
                pending.clear()
            continue
        if column in ("role", "post") and pair.value:
            named = lex.role_of(pair.value) or (lex.post_role(pair.value) if current is None else None)
            if named is not None and (current is None or current.role != named):
                current = start(named, pair)
        if column == "name" and current is not None and "name" in current.values and pair.value:
            current = None  # a second name: another person begins
        if current is None:
            pending.append((column, pair))
        else:
            _assign(ctx, current, column, pair)
    return [p for p in out if set(p.values) & _ATTRIBUTES]


def _where(ctx: Context, pair: Pair) -> str:
    return f"表{pair.grid.index + 1}" if pair.grid is not None else "正文"


def _assign(ctx: Context, person: _Person, key: str, pair: Pair) -> None:
    if key == "role" or (not pair.value and pair.value_cell is None):
        return
    if pair.grid is not None:
        cell: GridCell | None = pair.value_cell or pair.label_cell
        assert cell is not None
        source, where = ctx.src(pair.grid, cell, pair.label), ctx.where(pair.grid, cell)
    else:
        source, where = ctx.paragraph_src(pair.paragraph, f"{pair.label}：{pair.value}")
    person.put(ctx, key, pair.value, source, where)


# --- all together ---------------------------------------------------------------------------------


def person_tables(ctx: Context, grids: list[Grid]) -> tuple[list[_Person], dict[int, set[int]]]:
    """People of header-row and roles-as-columns tables, and the rows they took (by grid)."""
    people: list[_Person] = []
    used: dict[int, set[int]] = {}
    for grid in grids:
        for table in find_tables(grid, ctx.lex, "key_person_columns", {"name"}, min_keys=2):
            found = _from_table(ctx, table)
            if found or (set(table.columns) & {"role", "title", *_YEARS}):
                people += found
                used.setdefault(grid.index, set()).update(table.rows())
        found, rows = _transposed(ctx, grid)
        if found:
            people += found
            used.setdefault(grid.index, set()).update(rows)
    return people, used


_ROLE_WORDS = {"principal": "主要负责人", "tech_lead": "运维技术负责人", "finance_lead": "财务负责人"}


def _name(person: _Person) -> str:
    name = person.values.get("name")
    return str(name.value) if name is not None else ""


def key_persons(ctx: Context, tables: list[_Person], pairs: list[Pair]) -> list[KeyPerson]:
    """One person per role: the first with the most fields, tables before labelled cells; two places naming
    different people for one role are a warning."""
    best: dict[str, _Person] = {}
    for person in [*tables, *_from_pairs(ctx, pairs)]:
        if not person.says_something():
            continue
        held = best.get(person.role)
        if held is not None and _name(held) and _name(person) and _name(held) != _name(person):
            ctx.warnings.append(  # names are personal data: masked (the warning reaches report.json's notes)
                f"{person.origin}：{_ROLE_WORDS.get(person.role, person.role)}填为「{mask_name(_name(person))}」，"
                f"{held.origin}填为「{mask_name(_name(held))}」，两处不一致")
        if held is None or person.weight() > held.weight():
            best[person.role] = person
    order = [r.value for r in KeyRole]
    return [best[role].settle(ctx) for role in order if role in best]
