"""`motcua registry load`: load or update the insurance registry from two CSV files, idempotently.

Columns (API.md): `unit_code,unit_name,tax_code,province_code` and
`si_number,full_name,date_of_birth,id_number,unit_code,participation_from,participation_to`
(in any order; months `YYYY-MM`, an empty `participation_to` = still participating; dates of birth
`YYYY-MM-DD` or `dd/mm/yyyy`). The participants file may add BHXH's unemployment-insurance
records as two optional columns, `unemployment_insurance` (per period: 1, 0 or empty) and
`ui_benefit_from` (per person: the month a benefit decision took effect); see `PARTICIPANTS_OPTIONAL`.
Files are UTF-8 (a BOM, as Excel writes it, is fine).

How it goes:
1. Both files are read once quickly: readable, UTF-8, the right columns; otherwise nothing is loaded.
2. The units, then the participants, are streamed in chunks of `CHUNK` rows. Each row is checked;
   a bad row is rejected with its line number and a reason in Vietnamese and English. The chunk's
   stored items are read (BatchGetItem: first only their digests, then in full those that differ
   from what the chunk says), the rows merged into them (several rows of one SI number
   are several periods; a period is keyed by unit and first month, the file's end month wins), and
   only items that changed are written (BatchWriteItem). Loading the same file twice writes nothing.
3. Memory holds one chunk of rows, the set of unit codes, and at most `KEEP_REJECTIONS` rejections,
   so a file of a million participants loads in bounded memory.

A row that repeats an SI number with another name, date of birth or ID number, or a period with
another end month, is rejected when both rows fall in the same chunk; further apart, the later row
wins, as a later file would.

No personal data is logged: rejections carry line numbers and reasons; only the terminal report of
`main` shows the offending values (the operator's own file).
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.adapters.registry import Registry, RegistryUnavailable, registry
from chalicelib.domain.identifiers import (
    cccd_matches_birth,
    is_valid_cccd,
    is_valid_id_number,
    is_valid_province_code,
    is_valid_si_number,
    is_valid_tax_code,
    is_valid_unit_code,
)
from chalicelib.domain.names import iso_date
from chalicelib.domain.registry import Participant, Period, Unit, content_digest

__all__ = [
    "CHUNK",
    "KEEP_REJECTIONS",
    "PARTICIPANTS_COLUMNS",
    "PARTICIPANTS_OPTIONAL",
    "UNITS_COLUMNS",
    "Counts",
    "LoadReport",
    "Rejection",
    "UnreadableFile",
    "format_report",
    "load_registry",
    "main",
]

UNITS_COLUMNS = ("unit_code", "unit_name", "tax_code", "province_code")
PARTICIPANTS_COLUMNS = (
    "si_number",
    "full_name",
    "date_of_birth",
    "id_number",
    "unit_code",
    "participation_from",
    "participation_to",
)
PARTICIPANTS_OPTIONAL = ("unemployment_insurance", "ui_benefit_from")
"""Optional columns of the participants file (BHXH's unemployment-insurance records, issue 16):
`unemployment_insurance` per period row, `1` when unemployment insurance was paid alongside in that
period, `0` when not, empty when unknown; `ui_benefit_from`, per person, the month (`YYYY-MM`) an
unemployment benefit decision took effect, empty when none. A file without them loads as before."""
CHUNK = 2000
"""Rows read, checked, merged and written together (20 BatchGetItem and up to 80 BatchWriteItem calls)."""
KEEP_REJECTIONS = 1000
"""Rejections kept with their details; beyond that only counted."""
SHOW_REJECTIONS = 50

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_NAME_FORBIDDEN = re.compile(r"[0-9_@#$%^&*=+<>{}\[\]|\\/;:!?\"]")


# -- the report --------------------------------------------------------------------------------------
@dataclass
class Counts:
    rows: int = 0
    """Data rows read (the header and blank lines not counted)."""
    loaded: int = 0
    """Rows that added or changed something."""
    skipped: int = 0
    """Rows already in the registry exactly so."""
    rejected: int = 0
    written: int = 0
    """Items written to DynamoDB (one participant item may hold several rows)."""


@dataclass(frozen=True)
class Rejection:
    file: str
    """The file's name, e.g. `participants.csv`."""
    line: int
    field: str
    value: str
    """The offending value: for the operator's terminal only, never for logs."""
    reason_vi: str
    reason_en: str

    def describe(self, with_value: bool = True) -> str:
        what = (
            f"{self.field} {self.value!r}: " if with_value and self.field else (f"{self.field}: " if self.field else "")
        )
        return f"{self.file} dòng/line {self.line}: {what}{self.reason_vi} / {self.reason_en}"


@dataclass
class LoadReport:
    units: Counts = field(default_factory=Counts)
    participants: Counts = field(default_factory=Counts)
    rejections: list[Rejection] = field(default_factory=list)
    """The first `KEEP_REJECTIONS` rejections, in file order (units first)."""
    seconds: float = 0.0
    dynamodb_calls: int = 0
    already_loaded: bool = False
    """Set by `seed_demo` when the emulator already held the demo registry and nothing was done."""

    @property
    def rejected(self) -> int:
        return self.units.rejected + self.participants.rejected

    @property
    def loaded(self) -> int:
        return self.units.loaded + self.participants.loaded

    @property
    def skipped(self) -> int:
        return self.units.skipped + self.participants.skipped


class UnreadableFile(Exception):
    def __init__(self, path: Path, reason_vi: str, reason_en: str) -> None:
        super().__init__(f"{path}: {reason_en}")
        self.path = path
        self.reason_vi = reason_vi
        self.reason_en = reason_en


class _Reject(Exception):
    def __init__(self, column: str, value: str, reason_vi: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.column, self.value, self.reason_vi, self.reason_en = column, value, reason_vi, reason_en


class _Load:
    """The state of one load: the report, the unit codes known so far, the progress bar."""

    def __init__(self, reg: Registry, progress: bool) -> None:
        self.reg = reg
        self.progress = progress
        self.report = LoadReport()
        self.units_in_file: set[str] = set()
        self.units_in_table: set[str] = set()
        self.units_unknown: set[str] = set()

    def reject(self, counts: Counts, file: str, line: int, error: _Reject) -> None:
        counts.rejected += 1
        if len(self.report.rejections) < KEEP_REJECTIONS:
            self.report.rejections.append(
                Rejection(file, line, error.column, error.value, error.reason_vi, error.reason_en)
            )

    def bar(self, total: int, desc: str) -> Any:
        from tqdm import tqdm

        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            disable=not self.progress,
            dynamic_ncols=True,
            leave=True,
        )


# -- reading files -----------------------------------------------------------------------------------
def _survey(path: Path, expected: tuple[str, ...], optional: tuple[str, ...] = ()) -> tuple[int, Rejection | None]:
    """Count lines and make sure the whole file is UTF-8; check its header. Reads 1 MB at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    first_line = b""
    last = b"\n"
    try:
        with open(path, "rb") as raw:
            while block := raw.read(1 << 20):
                if not first_line:
                    first_line = block.split(b"\n", 1)[0]
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    near = lines + block[: max(error.start, 0)].count(b"\n") + 1
                    raise UnreadableFile(
                        path,
                        f"Tệp không phải UTF-8 (dòng {near}); hãy lưu lại dạng CSV UTF-8.",
                        f"The file is not UTF-8 (line {near}); save it again as CSV UTF-8.",
                    ) from None
                lines += block.count(b"\n")
                last = block[-1:]
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile(
            path,
            "Tệp không phải UTF-8 (ký tự cuối bị cắt dở).",
            "The file is not UTF-8 (truncated character at the end).",
        ) from None
    except OSError as error:
        raise UnreadableFile(
            path, f"Không đọc được tệp: {error.strerror or error}.", f"Cannot read the file: {error.strerror or error}."
        ) from None
    if last != b"\n":
        lines += 1
    header = next(csv.reader([first_line.decode("utf-8-sig").rstrip("\r")]), [])
    names = [h.strip().lower() for h in header]
    given = [c for c in names if c not in optional or names.count(c) > 1]
    if sorted(given) != sorted(expected):
        missing = [c for c in expected if c not in names]
        extra = [c for c in names if c not in expected and c not in optional]
        duplicated = sorted({c for c in names if names.count(c) > 1})
        detail_vi = "; ".join(
            filter(
                None,
                [
                    f"thiếu {', '.join(missing)}" if missing else "",
                    f"thừa {', '.join(extra)}" if extra else "",
                    f"trùng {', '.join(duplicated)}" if duplicated else "",
                ],
            )
        )
        detail_en = "; ".join(
            filter(
                None,
                [
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                    f"repeated {', '.join(duplicated)}" if duplicated else "",
                ],
            )
        )
        return lines, Rejection(
            path.name,
            1,
            "header",
            ",".join(header),
            f"Dòng tiêu đề phải có đúng các cột {','.join(expected)} ({detail_vi or 'tệp rỗng'}); tệp không được nạp.",
            f"The header must have exactly the columns {','.join(expected)} ({detail_en or 'empty file'}); the file was not loaded.",
        )
    return max(lines - 1, 0), None


def _rows(path: Path, expected: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | None, int]]:
    """(line, {column: value} or None when the field count is wrong, field count), streamed."""
    with open(path, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        header = [h.strip().lower() for h in next(reader)]
        line = reader.line_num + 1
        for fields in reader:
            start, line = line, reader.line_num + 1
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line
            if len(fields) != len(header):
                yield start, None, len(fields)
            else:
                yield start, {h: v.strip() for h, v in zip(header, fields, strict=False)}, len(fields)


def _chunked(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- checking fields -----------------------------------------------------------------------------------
def _text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _si_number(value: str) -> str:
    if not is_valid_si_number(value):
        hint_vi = " (có thể bảng tính đã bỏ số 0 ở đầu)" if len(value) == 9 and value.isdigit() else ""
        hint_en = " (a spreadsheet may have dropped a leading zero)" if hint_vi else ""
        raise _Reject(
            "si_number",
            value,
            f"Mã số BHXH phải gồm đúng 10 chữ số{hint_vi}.",
            f"The SI number must be exactly 10 digits{hint_en}.",
        )
    return value


def _full_name(value: str) -> str:
    name = _text(value)
    if not name:
        raise _Reject("full_name", value, "Thiếu họ tên.", "The full name is empty.")
    if _NAME_FORBIDDEN.search(name) or len(name) > 100:
        raise _Reject(
            "full_name",
            value,
            "Họ tên chứa chữ số hoặc ký tự không hợp lệ.",
            "The full name holds digits or characters a name cannot have.",
        )
    return name


def _date_of_birth(value: str) -> str:
    try:
        iso = iso_date(value)
    except ValueError:
        raise _Reject(
            "date_of_birth",
            value,
            "Ngày sinh không hợp lệ (cần YYYY-MM-DD hoặc dd/mm/yyyy).",
            "The date of birth is not a valid date (YYYY-MM-DD or dd/mm/yyyy).",
        ) from None
    if not "1900-01-01" <= iso <= date.today().isoformat():
        raise _Reject(
            "date_of_birth",
            value,
            "Ngày sinh nằm ngoài khoảng hợp lý (từ 1900 đến hôm nay).",
            "The date of birth is out of range (1900 to today).",
        )
    return iso


def _id_number(value: str, date_of_birth: str) -> str | None:
    if not value:
        return None
    if not is_valid_id_number(value):
        raise _Reject(
            "id_number",
            value,
            "Số CCCD/CMND không hợp lệ (CCCD 12 chữ số, CMND 9 chữ số).",
            "The ID number is not valid (CCCD: 12 digits; CMND: 9 digits).",
        )
    if is_valid_cccd(value) and not cccd_matches_birth(value, date_of_birth):
        raise _Reject(
            "id_number",
            value,
            "Số CCCD không khớp với năm sinh (chữ số thứ 4 đến 6).",
            "The CCCD does not agree with the year of birth (its 4th to 6th digits).",
        )
    return value


def _unit_code(value: str, column: str = "unit_code") -> str:
    code = value.upper()
    if not is_valid_unit_code(code):
        raise _Reject(
            column,
            value,
            "Mã đơn vị không đúng định dạng (ví dụ TA1234A).",
            "The unit code has not the shape of one (e.g. TA1234A).",
        )
    return code


def _month(value: str, column: str) -> str:
    if not _MONTH.fullmatch(value) or value < "1960-01":
        raise _Reject(
            column, value, "Tháng không hợp lệ (cần YYYY-MM, từ 1960).", "The month is not valid (YYYY-MM, from 1960)."
        )
    return value


# -- units ---------------------------------------------------------------------------------------------
def _parse_unit(row: dict[str, str]) -> Unit:
    code = _unit_code(row["unit_code"])
    name = _text(row["unit_name"])
    if not name:
        raise _Reject("unit_name", row["unit_name"], "Thiếu tên đơn vị.", "The unit name is empty.")
    if not is_valid_tax_code(row["tax_code"]):
        raise _Reject(
            "tax_code",
            row["tax_code"],
            "Mã số thuế không hợp lệ (10 chữ số, chữ số cuối là số kiểm tra; chi nhánh thêm -XXX).",
            "The tax code is not valid (10 digits, the last a check digit; a branch adds -XXX).",
        )
    if not is_valid_province_code(row["province_code"]):
        raise _Reject(
            "province_code",
            row["province_code"],
            "Mã tỉnh phải gồm 3 chữ số (ví dụ 031).",
            "The province code must be 3 digits (e.g. 031).",
        )
    return Unit(code, name, row["tax_code"], row["province_code"])


def _load_units(load: _Load, path: Path, total: int) -> None:
    counts = load.report.units
    seen: dict[str, tuple[int, Unit]] = {}  # bounded by the number of units, which a BHXH office counts in thousands
    with load.bar(total, "đơn vị / units") as bar:
        for chunk in _chunked(_rows(path, UNITS_COLUMNS), CHUNK):
            fresh: dict[str, tuple[int, Unit]] = {}
            for line, row, width in chunk:
                counts.rows += 1
                try:
                    if row is None:
                        raise _Reject(
                            "",
                            "",
                            f"Dòng có {width} cột, cần {len(UNITS_COLUMNS)} (tên có dấu phẩy phải đặt trong ngoặc kép).",
                            f"The row has {width} fields, {len(UNITS_COLUMNS)} expected (a name with a comma must be in double quotes).",
                        )
                    unit = _parse_unit(row)
                    if unit.unit_code in seen:
                        first_line, first = seen[unit.unit_code]
                        if first != unit:
                            raise _Reject(
                                "unit_code",
                                unit.unit_code,
                                f"Mã đơn vị đã có ở dòng {first_line} với thông tin khác.",
                                f"The unit code is already on line {first_line} with other details.",
                            )
                        counts.skipped += 1
                        continue
                except _Reject as error:
                    load.reject(counts, path.name, line, error)
                    continue
                seen[unit.unit_code] = (line, unit)
                fresh[unit.unit_code] = (line, unit)
                load.units_in_file.add(unit.unit_code)
            stored = load.reg.units(fresh, consistent=True)
            changed = [unit for code, (_, unit) in fresh.items() if stored.get(code) != unit]
            counts.skipped += len(fresh) - len(changed)
            counts.loaded += len(changed)
            if changed:
                counts.written += load.reg.put_units(changed)
            bar.update(len(chunk))


# -- participants ---------------------------------------------------------------------------------------
@dataclass
class _Person:
    line: int
    full_name: str
    date_of_birth: str
    id_number: str | None
    periods: dict[tuple[str, str], tuple[str | None, int]]
    """(unit_code, from) -> (to, line)."""
    rows: list[tuple[int, tuple[str, str]]]
    """(line, period key) of every row accepted for this person in this chunk."""
    ui: dict[tuple[str, str], bool | None] = field(default_factory=dict)
    """(unit_code, from) -> unemployment insurance paid alongside (None: unknown)."""
    benefit: str | None = None
    """The month an unemployment benefit decision took effect."""


def _ui(row: dict[str, str]) -> tuple[bool | None, str | None]:
    """The optional unemployment-insurance columns of a participant row."""
    flag = row.get("unemployment_insurance", "").strip()
    if flag not in ("", "0", "1"):
        raise _Reject(
            "unemployment_insurance",
            flag,
            "Cột bảo hiểm thất nghiệp là 1 (có đóng), 0 (không đóng) hoặc để trống (chưa rõ).",
            "unemployment_insurance is 1 (paid), 0 (not paid) or empty (unknown).",
        )
    benefit = row.get("ui_benefit_from", "").strip()
    return (None if flag == "" else flag == "1"), (_month(benefit, "ui_benefit_from") if benefit else None)


def _parse_participant(row: dict[str, str]) -> tuple[str, str, str, str | None, str, str, str | None]:
    si = _si_number(row["si_number"])
    name = _full_name(row["full_name"])
    born = _date_of_birth(row["date_of_birth"])
    id_number = _id_number(row["id_number"], born)
    unit = _unit_code(row["unit_code"])
    start = _month(row["participation_from"], "participation_from")
    end = _month(row["participation_to"], "participation_to") if row["participation_to"] else None
    if end is not None and end < start:
        raise _Reject(
            "participation_to",
            row["participation_to"],
            "Tháng kết thúc trước tháng bắt đầu tham gia.",
            "The last month is before the first month of participation.",
        )
    if start < born[:7]:
        raise _Reject(
            "participation_from",
            row["participation_from"],
            "Tháng bắt đầu tham gia trước ngày sinh.",
            "Participation starts before the date of birth.",
        )
    return si, name, born, id_number, unit, start, end


def _participant(si: str, person: _Person, periods: dict[tuple[str, str], str | None]) -> Participant:
    ordered = tuple(
        Period(u, f, t, person.ui.get((u, f)))
        for (u, f), t in sorted(periods.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
    return Participant(
        si,
        person.full_name,
        person.date_of_birth,
        person.id_number,
        Participant.latest_unit(ordered),
        ordered,
        person.benefit,
    )


def _check_units(load: _Load, codes: set[str]) -> None:
    """Learn which of `codes` the units table knows (those the units file did not name)."""
    ask = codes - load.units_in_file - load.units_in_table - load.units_unknown
    if ask:
        found = load.reg.units(ask, consistent=True)
        load.units_in_table.update(found)
        load.units_unknown.update(ask - set(found))


def _load_participants(load: _Load, path: Path, total: int) -> None:
    counts = load.report.participants
    with load.bar(total, "người tham gia / participants") as bar:
        for chunk in _chunked(_rows(path, PARTICIPANTS_COLUMNS), CHUNK):
            parsed: list[tuple[int, tuple[str, str, str, str | None, str, str, str | None]]] = []
            extra: dict[int, tuple[bool | None, str | None]] = {}
            for line, row, width in chunk:
                counts.rows += 1
                try:
                    if row is None:
                        raise _Reject(
                            "",
                            "",
                            f"Dòng có {width} cột, cần {len(PARTICIPANTS_COLUMNS)}.",
                            f"The row has {width} fields, {len(PARTICIPANTS_COLUMNS)} expected.",
                        )
                    parsed.append((line, _parse_participant(row)))
                    extra[line] = _ui(row)
                except _Reject as error:
                    load.reject(counts, path.name, line, error)
            _check_units(load, {p[4] for _, p in parsed})

            people: dict[str, _Person] = {}
            for line, (si, name, born, id_number, unit, start, end) in parsed:
                if line not in extra:  # its unemployment-insurance columns were rejected
                    continue
                ui, benefit = extra[line]
                try:
                    if unit in load.units_unknown:
                        raise _Reject(
                            "unit_code",
                            unit,
                            "Mã đơn vị không có trong tệp đơn vị hay trong cơ sở dữ liệu.",
                            "The unit code is neither in the units file nor in the registry.",
                        )
                    person = people.get(si)
                    if person is None:
                        people[si] = _Person(
                            line,
                            name,
                            born,
                            id_number,
                            {(unit, start): (end, line)},
                            [(line, (unit, start))],
                            {(unit, start): ui},
                            benefit,
                        )
                        continue
                    if (person.full_name, person.date_of_birth, person.id_number) != (name, born, id_number):
                        raise _Reject(
                            "si_number",
                            si,
                            f"Cùng mã số BHXH với dòng {person.line} nhưng khác họ tên, ngày sinh hoặc số giấy tờ.",
                            f"Same SI number as line {person.line} but another name, date of birth or ID number.",
                        )
                    key = (unit, start)
                    if key in person.periods:
                        if person.periods[key][0] != end:
                            raise _Reject(
                                "participation_to",
                                end or "",
                                f"Cùng giai đoạn với dòng {person.periods[key][1]} nhưng khác tháng kết thúc.",
                                f"Same period as line {person.periods[key][1]} but another last month.",
                            )
                        counts.skipped += 1  # the very same row twice
                        continue
                    person.periods[key] = (end, line)
                    person.rows.append((line, key))
                    person.ui[key] = ui
                    person.benefit = person.benefit or benefit
                except _Reject as error:
                    load.reject(counts, path.name, line, error)

            # What the chunk says of each person; an item whose digest matches holds exactly that.
            described = {
                si: _participant(si, person, {key: end for key, (end, _) in person.periods.items()})
                for si, person in people.items()
            }
            digests = load.reg.digests(people, consistent=True)
            unchanged = {si for si, digest in digests.items() if digest == content_digest(described[si])}
            differing = [si for si in digests if si not in unchanged]
            stored = load.reg.participants(differing, consistent=True) if differing else {}
            changed: list[Participant] = []
            for si, person in people.items():
                if si in unchanged:  # stored exactly as the chunk describes it
                    counts.skipped += len(person.rows)
                    continue
                before = stored.get(si)
                same_person = before is not None and (before.full_name, before.date_of_birth, before.id_number) == (
                    person.full_name,
                    person.date_of_birth,
                    person.id_number,
                )
                periods = {(p.unit_code, p.from_month): p.to_month for p in before.periods} if before else {}
                if before:  # what the file does not say of a stored period's unemployment insurance, it keeps
                    for p in before.periods:
                        if person.ui.get((p.unit_code, p.from_month)) is None:
                            person.ui[(p.unit_code, p.from_month)] = p.ui
                    person.benefit = person.benefit or before.ui_benefit_from
                for _, key in person.rows:
                    if (
                        same_person
                        and before is not None
                        and key in periods
                        and periods[key] == person.periods[key][0]
                        and next((p.ui for p in before.periods if (p.unit_code, p.from_month) == key), None)
                        == person.ui.get(key)
                    ):
                        counts.skipped += 1
                    else:
                        counts.loaded += 1
                periods.update({key: end for key, (end, _) in person.periods.items()})
                merged = _participant(si, person, periods)
                if merged != before:
                    changed.append(merged)
            if changed:
                counts.written += load.reg.put_participants(changed)
            bar.update(len(chunk))


# -- the use case --------------------------------------------------------------------------------------
def load_registry(
    units_csv: Path | None, participants_csv: Path | None, progress: bool = True, reg: Registry | None = None
) -> LoadReport:
    """Load the units file, then the participants file, into the registry tables of this stage.

    Raises `UnreadableFile` (before writing anything) when a file cannot be read or is not UTF-8.
    A file whose header is wrong is rejected as a whole (line 1) and nothing at all is loaded.
    """
    started = time.monotonic()
    reg = reg or registry()
    calls_before = reg.calls
    load = _Load(reg, progress)
    surveys: dict[str, tuple[Path, int]] = {}
    for kind, path, expected in (
        ("units", units_csv, UNITS_COLUMNS),
        ("participants", participants_csv, PARTICIPANTS_COLUMNS),
    ):
        optional = PARTICIPANTS_OPTIONAL if kind == "participants" else ()
        if path is None:
            continue
        path = Path(path)
        if not path.is_file():
            raise UnreadableFile(path, "Không có tệp này.", "No such file.")
        rows, bad_header = _survey(path, expected, optional)
        if bad_header:
            load.reject(
                getattr(load.report, kind),
                path.name,
                1,
                _Reject(bad_header.field, bad_header.value, bad_header.reason_vi, bad_header.reason_en),
            )
        surveys[kind] = (path, rows)
    if not load.report.rejected:
        if "units" in surveys:
            _load_units(load, *surveys["units"])
        if "participants" in surveys:
            _load_participants(load, *surveys["participants"])
    load.report.seconds = time.monotonic() - started
    load.report.dynamodb_calls = reg.calls - calls_before
    return load.report


def format_report(report: LoadReport, shown: int = SHOW_REJECTIONS) -> str:
    def line(label: str, c: Counts) -> str:
        return (
            f"  {label:<34} {c.rows:>9,} dòng/rows: {c.loaded:,} nạp/loaded, {c.skipped:,} đã có/skipped (unchanged), "
            f"{c.rejected:,} từ chối/rejected; {c.written:,} bản ghi ghi/items written"
        )

    if report.already_loaded:
        return "Sổ đăng ký mẫu đã có sẵn, không nạp lại. / The demo registry is already loaded; nothing to do."
    out = [
        f"Nạp sổ đăng ký BHXH xong trong {report.seconds:.1f} s / Registry load finished in {report.seconds:.1f} s "
        f"({report.dynamodb_calls:,} DynamoDB calls)",
        line("đơn vị / units", report.units),
        line("người tham gia / participants", report.participants),
    ]
    if report.rejected:
        out.append(f"Dòng bị từ chối / Rejected rows: {report.rejected:,}")
        out.extend(f"  {r.describe()}" for r in report.rejections[:shown])
        more = report.rejected - min(shown, len(report.rejections))
        if more > 0:
            out.append(f"  … và {more:,} dòng khác / and {more:,} more")
    return "\n".join(out)


def main(units: Path | None, participants: Path | None, quiet: bool = False) -> int:
    """Print the report; 0 when every row loaded or was already there, 1 when a row was rejected,
    2 when a file is missing or unreadable (nothing loaded), 3 when the registry tables cannot be reached."""
    from botocore.exceptions import BotoCoreError, ClientError

    if units is None and participants is None:
        print("Cần --units và/hoặc --participants. / Give --units and/or --participants.", file=sys.stderr)
        return 2
    try:
        report = load_registry(units, participants, progress=not quiet)
    except UnreadableFile as error:
        print(f"{error.path}: {error.reason_vi} / {error.reason_en}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError, RegistryUnavailable) as error:
        print(
            f"Không ghi được vào sổ đăng ký / Cannot reach the registry tables: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 3
    print(format_report(report))
    return 1 if report.rejected else 0
