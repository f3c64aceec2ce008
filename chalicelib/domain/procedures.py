"""The COVID-19 support procedures, as versioned legal data: one TOML file per procedure and legal basis.

Why data files: the rules are the law's, not the code's. `chalicelib/procedures/<basis>/` holds one
folder per legal basis (`qd15_2020`: Decision 15/2020/QĐ-TTg; `qd23_2021`: Resolution 68/NQ-CP and
Decision 23/2021/QĐ-TTg), with `_basis.toml` naming the decision and one `<code>.toml` per procedure
it governs: who submits, the eligibility window and conditions, the attachments required, the
authority a dossier goes to, the steps with their time limits in working days, and the words its
slips and findings use. Every rule cites its article and carries `confirmed` with a source; a rule
believed but not confirmed says what would confirm it (`docs/procedures.md` lists them).

The files are read and validated by pydantic when this module is imported, so at every start-up
(the app, the workers, the CLI): a bad file stops the start-up with the file and the field named
(`ProcedureFileError`). Adding a procedure or a basis is a file, never a code change.

One procedure code (`suspension_support`) may have a version under several bases; a dossier is
judged by the version whose window covers the period it claims (`procedure_of`). The receipt's
appointment (ngày hẹn trả kết quả) is the sum of the steps: BHXH's step, then each authority's.
BHXH's own deadline is its step alone; the authority's is the sum of the steps after BHXH's.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier

__all__ = [
    "BASES",
    "BODIES",
    "PROCEDURES",
    "PROCEDURE_DIR",
    "VERSIONS",
    "Basis",
    "External",
    "Industries",
    "Industry",
    "Procedure",
    "ProcedureFileError",
    "Rules",
    "Step",
    "UnknownProcedure",
    "body_name",
    "claimed_day",
    "load_procedures",
    "procedure",
    "procedure_of",
    "unconfirmed_rules",
]

Submitter = Literal["employer", "household", "worker"]

PROCEDURE_DIR = Path(__file__).resolve().parent.parent / "procedures"
"""`chalicelib/procedures`: one folder per legal basis."""


class UnknownProcedure(KeyError):
    """A procedure code this office does not handle."""


class ProcedureFileError(ValueError):
    """A procedure file that does not make a valid procedure: the message names the file and field."""


BODIES: dict[str, str] = {
    "bhxh": "Bảo hiểm xã hội",
    "district": "Ủy ban nhân dân cấp huyện",
    "province": "Ủy ban nhân dân cấp tỉnh",
    "social_policy_bank": "Ngân hàng Chính sách xã hội",
    "labour_department": "Sở Lao động - Thương binh và Xã hội",
    "commune": "Ủy ban nhân dân cấp xã",
}
"""The bodies a step can belong to, as a clerk calls them."""

BODIES_EN: dict[str, str] = {
    "bhxh": "Vietnam Social Security",
    "district": "District People's Committee",
    "province": "Provincial People's Committee",
    "social_policy_bank": "Vietnam Bank for Social Policies",
    "labour_department": "Provincial Department of Labour, Invalids and Social Affairs",
    "commune": "Commune People's Committee",
}


def body_name(body: str, province: str = "") -> str:
    """The body as printed on a slip for the office of ``province`` ("thành phố Hải Phòng")."""
    if not province:
        return BODIES.get(body, body)
    if body == "bhxh":
        return f"Bảo hiểm xã hội {province}"
    if body == "province":
        return f"Ủy ban nhân dân {province}"
    if body == "social_policy_bank":
        return f"Ngân hàng Chính sách xã hội chi nhánh {province}"
    if body == "labour_department":
        return f"Sở Lao động - Thương binh và Xã hội {province}"
    return BODIES.get(body, body)


class _Data(BaseModel):
    """Every part of a procedure file: unknown keys are refused (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Cited(_Data):
    """A rule and where it comes from."""

    article: str = Field(min_length=1, description="the article of the basis, e.g. 'Điều 3 khoản 1'")
    source: str = Field(min_length=1, description="where the rule was read")
    confirmed: StrictBool
    """False: believed, not confirmed by the source (DOMAIN.md marks it **B**)."""
    to_confirm: str = ""
    """For a belief: what would confirm it."""

    @model_validator(mode="after")
    def _belief_says_what_confirms_it(self) -> Cited:
        if not self.confirmed and not self.to_confirm:
            raise ValueError("a rule not confirmed must say what would confirm it (to_confirm)")
        return self


class Step(Cited):
    """One body's step of a procedure (bước giải quyết) and its time limit."""

    body: str
    """A key of `BODIES`."""
    task: str = Field(min_length=1)
    """What the body does in this step, in Vietnamese."""
    days: int = Field(gt=0, le=30)
    """Working days, counted from the day the body receives the dossier."""

    @model_validator(mode="after")
    def _known_body(self) -> Step:
        if self.body not in BODIES:
            raise ValueError(f"unknown body {self.body!r}; one of {', '.join(BODIES)}")
        return self


class Window(Cited):
    """The months a claim may cover (thời gian được hỗ trợ)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _in_order(self) -> Window:
        if self.end < self.start:
            raise ValueError("the window ends before it starts")
        return self


class Count(Cited):
    value: int = Field(gt=0, le=366)


class Participation(Cited):
    """The month in which each worker must have been in compulsory social insurance, in the applying unit."""

    month: Literal["before_period", "period_start"]
    """`before_period`: the month right before the suspension or stoppage (tháng liền kề trước);
    `period_start`: the month the claimed period starts (a recovery loan: on SI when applying)."""
    in_unit: bool = True


class Unemployment(Cited):
    """A terminated worker: took part in unemployment insurance, and is not entitled to its benefit."""

    entitled_months: int = Field(12, gt=0)
    """Months of unemployment-insurance contributions that make a worker entitled to the benefit..."""
    within_months: int = Field(24, gt=0)
    """...within this many months before the termination."""


class UnitShare(Cited):
    """The unit-level condition: the share of the unit's participants the dossier lists (stopped, off)."""

    min_share: float = Field(gt=0, le=1)


class Industry(_Data):
    """An industry (ngành, nghề) a procedure is open to, by the code the dossier declares."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Industries(Cited):
    """The employer's industry must be one of these (the recovery loan's first industries): the
    dossier declares it (`applicant.industry`), the check compares it with this list."""

    allowed: tuple[Industry, ...] = Field(min_length=1)

    def named(self, code: str) -> Industry | None:
        return next((i for i in self.allowed if i.code == code), None)


class External(Cited):
    """A condition of the procedure that another body checks, not BHXH (the Social Policy Bank
    checks a borrower's bad debt): listed with its law so that applicants and clerks know it, and
    never checked here, since BHXH has nothing to check it against."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text_vi: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    checked_by: str
    """A key of `BODIES`, never `bhxh`."""

    @model_validator(mode="after")
    def _another_body(self) -> External:
        if self.checked_by not in BODIES or self.checked_by == "bhxh":
            raise ValueError(
                f"checked_by: a body other than BHXH, one of {', '.join(b for b in BODIES if b != 'bhxh')}"
            )
        return self


class Rules(_Data):
    """The eligibility conditions of one procedure under one basis; absent: not a condition."""

    window: Window
    min_months: Count | None = None
    """Whole consecutive months of suspension per worker."""
    min_consecutive_days: Count | None = None
    """Consecutive calendar days of suspension or stoppage per worker."""
    min_working_days_in_month: Count | None = None
    """Working days stopped within one month per worker."""
    participation: Participation | None = None
    unemployment: Unemployment | None = None
    unit_share: UnitShare | None = None
    industries: Industries | None = None
    external: tuple[External, ...] = ()
    """Conditions another body checks (`checked_by`), shown in `GET /v1/procedures`, not checked here."""


class Identity(Cited):
    """Who the applicant is and how the request is known to be theirs."""

    kind: Literal["unit", "citizen"]
    """`unit`: an employer, by unit code and tax code; `citizen`: a person, by CCCD, no unit code."""
    signature: Literal["pades", "portal_authentication"]
    """`pades`: the request carries the applicant's digital signature; `portal_authentication`: the
    National Public Service Portal authenticated the citizen (VNeID / the portal's account), which
    stands in for a signature individuals rarely have; recorded so on the dossier."""


class Wording(_Data):
    """The words slips, findings and the console use for this procedure."""

    period_vi: str = Field(min_length=1, description="what the claimed period is: 'tạm hoãn hợp đồng lao động'")
    period_en: str = Field(min_length=1)
    party_vi: str = Field(min_length=1, description="who the applicant is: 'Đơn vị sử dụng lao động', 'Người lao động'")
    party_en: str = Field(min_length=1)
    confirms_vi: str = Field(min_length=1, description="what BHXH confirms, printed on its confirmation")
    confirms_en: str = Field(min_length=1)
    period_from_vi: str = Field(
        min_length=1, description="the period's first column as people read it: 'Từ ngày (ngừng việc)'"
    )
    period_from_en: str = Field(min_length=1)
    period_to_vi: str = Field(min_length=1, description="its last: 'Đến ngày (ngừng việc)'")
    period_to_en: str = Field(min_length=1)

    def field_titles(self) -> dict[str, tuple[str, str]]:
        """The period's columns (`period_from`, `period_to`) in this procedure's words, (vi, en): the
        labels the extraction's notes, the scan findings and the console show. Only labels: how the
        OCR matches a list's column headers is the extraction's own and does not read these."""
        return {
            "period_from": (self.period_from_vi, self.period_from_en),
            "period_to": (self.period_to_vi, self.period_to_en),
        }


class Basis(_Data):
    """A legal basis (`_basis.toml` of its folder)."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1, description="as the receipt cites it")
    title_en: str = Field(min_length=1)
    short: str = Field(min_length=1, description="'QĐ 15/2020', as findings cite it")
    signed_on: date
    source: str = Field(min_length=1)


class Procedure(_Data):
    """One procedure under one legal basis."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    """Vietnamese title, as printed on the slips."""
    title_en: str = Field(min_length=1)
    submitted_by: Submitter
    identity: Identity
    required_components: tuple[str, ...] = Field(min_length=1)
    """Codes of the components (`chalicelib.domain.components`) the dossier must carry."""
    optional_components: tuple[str, ...] = ()
    """Components the portal may send and declare besides the required ones."""
    steps: tuple[Step, ...] = Field(min_length=1)
    """BHXH's step first, then the authorities' in order."""
    forwarded_to: str | None = None
    """Who decides after BHXH (`province`, `social_policy_bank`, `labour_department`), or None: BHXH."""
    registry_check: bool
    """Whether BHXH checks the workers against the registry."""
    decision_amount: bool = True
    """Whether the decision carries an amount (a pension pause has none: it is BHXH's own decision)."""
    received_by_bhxh: bool = True
    """False: not a BHXH procedure (household businesses file at the commune); refused unless the
    office turns it on (`MOTCUA_HOUSEHOLD_OFFICES`)."""
    filed_at_vi: str = ""
    filed_at_en: str = ""
    """Where it is filed when BHXH does not receive it."""
    rules: Rules
    wording: Wording
    basis: Basis
    file: str = ""
    """The file it was read from, relative to `chalicelib/procedures`."""

    @model_validator(mode="after")
    def _well_formed(self) -> Procedure:
        if self.steps[0].body != "bhxh":
            raise ValueError("steps: the first step is BHXH's")
        if (self.forwarded_to is None) != (len(self.steps) == 1):
            raise ValueError("forwarded_to: steps after BHXH's exactly when the dossier is forwarded")
        if self.forwarded_to is not None and self.forwarded_to not in BODIES:
            raise ValueError(f"forwarded_to: unknown body {self.forwarded_to!r}")
        if (self.submitted_by == "worker") != (self.identity.kind == "citizen"):
            raise ValueError("identity.kind: a worker files as a citizen, an employer or household as a unit")
        if not self.received_by_bhxh and not (self.filed_at_vi and self.filed_at_en):
            raise ValueError("filed_at_vi/filed_at_en: say where a procedure BHXH does not receive is filed")
        from chalicelib.domain.components import COMPONENTS

        unknown = [c for c in self.required_components + self.optional_components if c not in COMPONENTS]
        if unknown:
            raise ValueError(f"required_components/optional_components: unknown component {unknown[0]!r}")
        return self

    # -- what the rest of the code reads -------------------------------------------------------------
    @property
    def window_from(self) -> date:
        """First day a claim may cover."""
        return self.rules.window.start

    @property
    def window_to(self) -> date:
        return self.rules.window.end

    @property
    def min_months(self) -> int:
        return self.rules.min_months.value if self.rules.min_months else 0

    @property
    def legal_basis(self) -> str:
        """The decision the procedure (and its time limits) stands on, as the receipt cites it."""
        return self.basis.title

    @property
    def bhxh_days(self) -> int:
        """Working days of BHXH's own step: its deadline, counted from the complete dossier."""
        return self.steps[0].days

    @property
    def authority_days(self) -> int:
        """Working days of every step after BHXH's: the deadline of the authority it is forwarded to."""
        return sum(s.days for s in self.steps[1:])

    @property
    def time_limit_days(self) -> int:
        """Working days until the applicant gets the result: the sum of the steps (printed on the receipt)."""
        return sum(s.days for s in self.steps)

    @property
    def sources(self) -> str:
        """The legal sources of the steps, as the receipt cites them."""
        return "; ".join(dict.fromkeys(s.source for s in self.steps))

    @property
    def components(self) -> tuple[str, ...]:
        """Every component this procedure knows: what `?component=` may name."""
        return tuple(dict.fromkeys(self.required_components + self.optional_components))

    def covers(self, day: date) -> bool:
        return self.window_from <= day <= self.window_to

    def cited(self) -> list[tuple[str, Cited]]:
        """Every rule of this version with its name (`rules.window`, `steps[1]`, ...)."""
        out: list[tuple[str, Cited]] = [("identity", self.identity)]
        for name in Rules.model_fields:
            rule = getattr(self.rules, name)
            if isinstance(rule, Cited):
                out.append((f"rules.{name}", rule))
        out += [(f"rules.external.{e.code}", e) for e in self.rules.external]
        out += [(f"steps[{i}]", s) for i, s in enumerate(self.steps)]
        return out


def _field_path(loc: Iterable[object]) -> str:
    return ".".join(str(p) for p in loc) or "(file)"


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProcedureFileError(f"{path}: not a readable TOML file: {error}") from None


def load_procedures(root: Path = PROCEDURE_DIR) -> dict[str, tuple[Procedure, ...]]:
    """Every procedure under `root`, by code, its versions ordered by window; raises
    `ProcedureFileError` naming the file and field of the first bad file."""
    versions: dict[str, list[Procedure]] = {}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    if not folders:
        raise ProcedureFileError(f"{root}: no legal basis folder")
    for folder in folders:
        basis_file = folder / "_basis.toml"
        if not basis_file.is_file():
            raise ProcedureFileError(f"{basis_file}: missing (each basis folder names its decision)")
        try:
            basis = Basis.model_validate(_read(basis_file))
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise ProcedureFileError(f"{basis_file}: field {_field_path(first['loc'])}: {first['msg']}") from None
        if basis.code != folder.name:
            raise ProcedureFileError(f"{basis_file}: field code: {basis.code!r} is not the folder's name")
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith("_"):
                continue
            data = _read(path)
            try:
                rules = Procedure.model_validate(
                    {**data, "basis": basis.model_dump(), "file": f"{folder.name}/{path.name}"}
                )
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                raise ProcedureFileError(f"{path}: field {_field_path(first['loc'])}: {first['msg']}") from None
            if rules.code != path.stem:
                raise ProcedureFileError(f"{path}: field code: {rules.code!r} is not the file's name")
            versions.setdefault(rules.code, []).append(rules)
    out: dict[str, tuple[Procedure, ...]] = {}
    for code, found in versions.items():
        found.sort(key=lambda p: p.window_from)
        for earlier, later in itertools.pairwise(found):
            if later.window_from <= earlier.window_to:
                raise ProcedureFileError(
                    f"{PROCEDURE_DIR / later.file}: field rules.window: overlaps {earlier.file}'s window"
                )
        out[code] = tuple(found)
    return out


VERSIONS: dict[str, tuple[Procedure, ...]] = load_procedures()
"""Every procedure code and its versions, one per legal basis, in the order of their windows."""

PROCEDURES: dict[str, Procedure] = {code: found[0] for code, found in VERSIONS.items()}
"""Every procedure code and its first version (its title, its submitter; `procedure_of` picks a
dossier's version)."""

BASES: dict[str, Basis] = {p.basis.code: p.basis for found in VERSIONS.values() for p in found}


def procedure(code: str, on: date | None = None) -> Procedure:
    """The version of `code` whose window covers `on` (the first version without one, or when none
    covers it: the latest that began before, else the first); raises `UnknownProcedure`."""
    try:
        found = VERSIONS[code]
    except KeyError:
        raise UnknownProcedure(code) from None
    if on is None:
        return found[0]
    for version in found:
        if version.covers(on):
            return version
    started = [v for v in found if v.window_from <= on]
    return started[-1] if started else found[0]


def claimed_day(dossier: Dossier) -> date:
    """The day the dossier's claim starts: its workers' earliest period, else the day it was made."""
    if dossier.workers:
        return min(w.period_from for w in dossier.workers)
    return dossier.created_at.date()


def procedure_of(dossier: Dossier) -> Procedure:
    """The version of the dossier's procedure in force for the period it claims."""
    return procedure(dossier.procedure, claimed_day(dossier))


def unconfirmed_rules() -> list[tuple[Procedure, str, Cited]]:
    """Every rule still marked believed, not confirmed: (version, rule name, rule)."""
    return [
        (version, name, rule)
        for found in VERSIONS.values()
        for version in found
        for name, rule in version.cited()
        if not rule.confirmed
    ]
