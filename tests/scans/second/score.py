"""Scoring what the extraction read against what a generator drew, cell by cell, as a user would.

A user notices a wrong cell in the row of the person it belongs to, so rows are paired by person, not by
position: a scanned row with the same SI number first, then the one that agrees on most other fields (at
least two). A row the extraction missed counts as wrong in every field; a wrong SI number does not shift
every later row into the wrong. Values compare exactly: names in NFC with their diacritics, dates ISO.
Works on the ground truth of any generator (dicts with the six fields) and on `to_dict()["workers"]`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["FIELDS", "add_tallies", "pair", "rates", "tally", "wrong_cells"]

FIELDS = ("si_number", "id_number", "date_of_birth", "period_from", "period_to", "full_name")
Tally = dict[str, list[int]]


def _norm(field: str, value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return unicodedata.normalize("NFC", " ".join(text.split())) if field == "full_name" else text.strip()


def pair(
    truth: list[dict[str, Any]], got: Iterable[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each true row with the scanned row that reads the same person (or None)."""
    free = list(got)
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(t, None) for t in truth]
    for k, t in enumerate(truth):
        match = next((g for g in free if _norm("si_number", g.get("si_number")) == t["si_number"]), None)
        if match is not None:
            free.remove(match)
            pairs[k] = (t, match)
    for k, (t, g) in enumerate(pairs):
        if g is not None or not free:
            continue
        best = max(free, key=lambda c: sum(_norm(f, c.get(f)) == _norm(f, t[f]) for f in FIELDS))
        if sum(_norm(f, best.get(f)) == _norm(f, t[f]) for f in FIELDS) >= 2:
            free.remove(best)
            pairs[k] = (t, best)
    return pairs


def tally(truth: list[dict[str, Any]], got: Iterable[dict[str, Any]]) -> Tally:
    """`{field: [right, cells]}` over the rows of one document."""
    out: Tally = {f: [0, 0] for f in FIELDS}
    for t, g in pair(truth, got):
        for f in FIELDS:
            out[f][1] += 1
            out[f][0] += int(g is not None and _norm(f, g.get(f)) == _norm(f, t[f]))
    return out


def add_tallies(into: Tally, more: Tally) -> Tally:
    for f, (ok, n) in more.items():
        into.setdefault(f, [0, 0])
        into[f][0] += ok
        into[f][1] += n
    return into


def rates(counts: Tally) -> dict[str, float]:
    return {f: round(ok / n, 4) if n else 0.0 for f, (ok, n) in counts.items()}


def wrong_cells(truth: list[dict[str, Any]], got: Iterable[dict[str, Any]], field: str) -> list[str]:
    """Human lines "row 3: want 0123456789, got 0123456780" for a failing assertion's message."""
    lines = []
    for t, g in pair(truth, got):
        value = None if g is None else _norm(field, g.get(field))
        if value != _norm(field, t[field]):
            lines.append(
                f"row {t.get('row')} p{t.get('page')}: want {t[field]!r}, got {'no row' if g is None else repr(value)}"
            )
    return lines
