"""Field shapes and the repair of OCR slips in them.

Every parser returns a `Field(value, confidence, note)`. `confidence` starts from what the reader
reported (1.0 for a text layer, Tesseract's word confidence otherwise) and is lowered by every doubt:
a letter read in a digit field and mapped by an unambiguous rule (O→0, l/I/|→1, S→5) costs a
little; a mapping that could have been something else (B→8 or 3? Z→2 or 7?) costs a lot; a value that
still does not have the right shape is returned as read, with a low confidence. Nothing is ever
invented: no digit is added, dropped or chosen by guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from chalicelib.domain.identifiers import tax_code_check_digit as tax_check_digit

__all__ = [
    "Field",
    "digits_repair",
    "nfc",
    "parse_date",
    "parse_id_number",
    "parse_name",
    "parse_si_number",
    "parse_tax_code",
    "parse_unit_code",
    "tax_check_digit",
    "tax_code_valid",
]


# Letters Tesseract reads in place of digits. The first map is unambiguous in a digit field.
_SURE = {
    "O": "0",
    "o": "0",
    "D": "0",
    "Q": "0",
    "l": "1",
    "I": "1",
    "|": "1",
    "i": "1",
    "!": "1",
    "S": "5",
    "s": "5",
    "$": "5",
}
# These have more than one plausible digit (B: 8 or 3; Z: 2 or 7; G: 6 or 0; ...): used, but doubtful.
_DOUBTFUL = {"B": "8", "Z": "2", "z": "2", "G": "6", "b": "6", "g": "9", "q": "9", "T": "7", "A": "4", "?": "7"}
_SEPARATORS = " .,-_'‘’`\u00b7"

SURE_REPAIR = 0.9
DOUBTFUL_REPAIR = 0.5
BAD_SHAPE = 0.2


Verdict = Literal[
    "",
    "empty",
    "wrong_length",
    "check_digit_mismatch",
    "check_digit_resolved",
    "not_a_date",
    "impossible_date",
    "year_out_of_range",
    "unexpected_shape",
    "unusual_shape",
    "repaired",
    "readings_disagree",
]
"""What the parser made of a reading, as a code the rest of the extraction branches on (`note`
keeps the repairs for a person: `O->0, l->1`). Empty: read as it should be."""
BAD_VERDICTS: frozenset[str] = frozenset(
    {
        "empty",
        "wrong_length",
        "check_digit_mismatch",
        "check_digit_resolved",
        "not_a_date",
        "impossible_date",
        "year_out_of_range",
        "unexpected_shape",
    }
)
"""Readings another reading of the same cell is preferred to: no value of their field, or one the
check digit had to choose (kept only when no reading of the right shape agrees)."""


@dataclass
class Field:
    value: str | None
    confidence: float
    note: str = ""
    verdict: Verdict = ""

    def scaled(self, factor: float) -> Field:
        return Field(self.value, round(max(0.0, min(1.0, self.confidence * factor)), 3), self.note, self.verdict)

    @property
    def bad(self) -> bool:
        return self.value is None or self.verdict in BAD_VERDICTS


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def digits_repair(raw: str, keep: str = "") -> tuple[str, float, str]:
    """Map letters read in a digit field to digits. Returns (text, confidence factor, note).

    Separators (spaces, dots, dashes) inside the number are dropped, except those in `keep`.
    Characters that are neither digits nor known confusions are kept, so the shape check fails.
    """
    out = []
    factor = 1.0
    notes = []
    for ch in nfc(raw).strip():
        if ch.isdigit() and ch.isascii():
            out.append(ch)
        elif ch in keep:
            out.append(ch)
        elif ch in _SEPARATORS:
            continue
        elif ch in _SURE:
            out.append(_SURE[ch])
            factor *= SURE_REPAIR
            notes.append(f"{ch}->{_SURE[ch]}")
        elif ch in _DOUBTFUL:
            out.append(_DOUBTFUL[ch])
            factor *= DOUBTFUL_REPAIR
            notes.append(f"{ch}->{_DOUBTFUL[ch]}?")
        else:
            out.append(ch)
            factor *= BAD_SHAPE
            notes.append(f"unknown {ch!r}")
    return "".join(out), factor, ", ".join(notes)


def _digits_field(raw: str | None, lengths: tuple[int, ...], conf: float) -> Field:
    if raw is None or not raw.strip():
        return Field(None, 0.0, "empty", "empty")
    text, factor, note = digits_repair(raw)
    if text.isdigit() and len(text) in lengths:
        return Field(text, round(conf * factor, 3), note)
    return Field(
        text,
        round(conf * factor * BAD_SHAPE, 3),
        (note + "; " if note else "") + f"expected {' or '.join(map(str, lengths))} digits",
        "wrong_length",
    )


def parse_si_number(raw: str | None, conf: float = 1.0) -> Field:
    """Mã số BHXH: exactly 10 digits."""
    return _digits_field(raw, (10,), conf)


def parse_id_number(raw: str | None, conf: float = 1.0) -> Field:
    """Số CCCD (12 digits) or CMND (9 digits)."""
    return _digits_field(raw, (12, 9), conf)


def tax_code_valid(code: str) -> bool:
    m = re.fullmatch(r"(\d{10})(?:-(\d{3}))?", code)
    return m is not None and tax_check_digit(m.group(1)[:9]) == int(m.group(1)[9])


def parse_tax_code(raw: str | None, conf: float = 1.0) -> Field:
    """Mã số thuế: 10 digits (the 10th a check digit), or 10 + '-' + 3 for a branch.

    A doubtful letter is only resolved when exactly one of its readings passes the check digit; a
    code that fails the check is returned as read with a low confidence.
    """
    if raw is None or not raw.strip():
        return Field(None, 0.0, "empty", "empty")
    raw = nfc(raw).strip()
    branch = None
    m = re.match(r"^(.*?)\s*[-–]\s*(\S{3})$", raw)
    if m and len(re.sub(r"\D", "", m.group(1))) >= 9:
        raw, branch = m.group(1), m.group(2)
    text, factor, note = digits_repair(raw)
    suffix = ""
    if branch is not None:
        b, bf, bnote = digits_repair(branch)
        suffix, factor = "-" + b, factor * bf
        note = ", ".join(n for n in (note, bnote) if n)
    if not (text.isdigit() and len(text) == 10):
        return Field(
            text + suffix,
            round(conf * factor * BAD_SHAPE, 3),
            (note + "; " if note else "") + "expected 10 digits",
            "wrong_length",
        )
    if tax_check_digit(text[:9]) == int(text[9]):
        return Field(text + suffix, round(conf * factor, 3), note)
    # Try the other readings of each doubtful character: accept only a unique valid one.
    alternatives = {"8": "3", "2": "7", "6": "0", "9": "4", "7": "1", "4": "1"}
    candidates = set()
    for i, ch in enumerate(raw.replace(" ", "")):
        if ch in _DOUBTFUL and i < 10:
            alt = alternatives.get(_DOUBTFUL[ch])
            if alt is not None:
                cand = text[:i] + alt + text[i + 1 :]
                if tax_check_digit(cand[:9]) == int(cand[9]):
                    candidates.add(cand)
    if len(candidates) == 1:
        return Field(
            candidates.pop() + suffix,
            round(conf * factor * 0.8, 3),
            (note + "; " if note else "") + "check digit resolved a doubtful letter",
            "check_digit_resolved",
        )
    return Field(
        text + suffix,
        round(conf * factor * BAD_SHAPE, 3),
        (note + "; " if note else "") + "check digit does not match",
        "check_digit_mismatch",
    )


_DATE_RE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")


def parse_date(raw: str | None, conf: float = 1.0) -> Field:
    """dd/mm/yyyy (also with '-' or '.', or eight digits ddmmyyyy) → ISO `YYYY-MM-DD`."""
    if raw is None or not raw.strip():
        return Field(None, 0.0, "empty", "empty")
    text, factor, note = digits_repair(nfc(raw).replace(" ", ""), keep="/")
    text = text.strip("/")
    # Tesseract sometimes reads '/' as '1' or '7' between the parts: "29105/1975" — ambiguous, so
    # only the shapes with the separators (or none at all) are accepted.
    m = _DATE_RE.match(text)
    if not m and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d\d)(\d\d)(\d{4})", text)
        factor *= 0.8
    if not m:
        return Field(None, round(conf * BAD_SHAPE * factor, 3), f"not a date: {len(text)} characters", "not_a_date")
    d, mo, y = (int(g) for g in m.groups())
    try:
        value = date(y, mo, d)
    except ValueError:
        return Field(None, round(conf * BAD_SHAPE * factor, 3), "impossible date", "impossible_date")
    if not 1900 <= value.year <= 2100:
        return Field(value.isoformat(), round(conf * BAD_SHAPE * factor, 3), "year out of range", "year_out_of_range")
    return Field(value.isoformat(), round(conf * factor, 3), note)


_NAME_JUNK = re.compile(r"[|_~=+*#<>\[\]{}\\\"“”;:!?()0-9]")


def _cased(ch: str) -> bool:
    """A letter that has a case: every letter of a Vietnamese syllable (a modifier such as "ˆ" has none)."""
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt")


def parse_name(raw: str | None, conf: float = 1.0) -> Field:
    """A person's full name: NFC, single spaces, each syllable capitalised as written in Vietnamese."""
    if raw is None:
        return Field(None, 0.0, "empty", "empty")
    text = nfc(raw)
    cleaned = _NAME_JUNK.sub(" ", text)
    factor = 1.0 if cleaned == text else 0.8
    words = [w.strip(".,'-`") for w in cleaned.split()]
    kept = [w for w in words if any(_cased(ch) for ch in w)]
    if len(kept) < len([w for w in words if w]):
        factor *= 0.8  # a mark with no letter ("ˆ", "—": a ruling's end read beside the name) is no syllable
    words = kept
    if not words:
        return Field(None, 0.0, "empty", "empty")
    fixed = []
    for w in words:
        if not all(ch.isalpha() for ch in w):
            factor *= 0.5
        if w.isupper() and len(w) > 1:
            fixed.append(w)  # names written in capitals stay so
        else:
            fixed.append(w[:1].upper() + w[1:])
    if len(fixed) < 2:
        factor *= 0.5
    return Field(nfc(" ".join(fixed)), round(conf * factor, 3))


_UNIT_RE = re.compile(r"^[A-Z]{2}\d{4}[A-Z]$")
_TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", "4": "A"}


def parse_unit_code(raw: str | None, conf: float = 1.0) -> Field:
    """Mã đơn vị of BHXH: usually two letters, four digits, one letter (e.g. TA1234A).

    Letter/digit confusions are repaired by position only when the code has that 7-character shape;
    any other code is returned upper-cased as read.
    """
    if raw is None or not raw.strip():
        return Field(None, 0.0, "empty", "empty")
    text = re.sub(r"[\s.\-_:]", "", nfc(raw)).upper()
    if _UNIT_RE.match(text):
        return Field(text, round(conf, 3))
    if len(text) == 7 and text.isalnum():
        factor = 1.0
        out = list(text)
        for i in (0, 1, 6):
            if out[i].isdigit():
                if out[i] not in _TO_LETTER:
                    return Field(text, round(conf * BAD_SHAPE, 3), "unexpected shape", "unexpected_shape")
                out[i] = _TO_LETTER[out[i]]
                factor *= SURE_REPAIR if out[i] in "OIS" else DOUBTFUL_REPAIR
        for i in range(2, 6):
            if not out[i].isdigit():
                rep = _SURE.get(out[i]) or _DOUBTFUL.get(out[i])
                if rep is None:
                    return Field(text, round(conf * BAD_SHAPE, 3), "unexpected shape", "unexpected_shape")
                factor *= SURE_REPAIR if out[i] in _SURE else DOUBTFUL_REPAIR
                out[i] = rep
        return Field("".join(out), round(conf * factor, 3), "letters/digits repaired", "repaired")
    if re.fullmatch(r"[A-Z0-9]{3,12}", text):
        return Field(text, round(conf * 0.6, 3), "unusual shape", "unusual_shape")
    return Field(text, round(conf * BAD_SHAPE, 3), "unexpected shape", "unexpected_shape")
