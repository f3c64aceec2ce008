"""Accuracy per generator, and what it does to dossiers: false bounces and caught differences (issue 13).

    .venv/bin/python bench/accuracy.py [--docs 12] [--photos 3] [--seed 2020]

Why: the extraction was written beside the project's first generator (tests/scans/generate.py); its
accuracy there says little about other employers' lists. This bench scores it on both that generator
and the second one (tests/scans/second, written without looking at the first), apart, and then on what a
user meets: whether a valid dossier gets through the scan comparison, and whether a real difference
between the typed data and the signed list is caught.

1. Documents. First generator: `--docs` one-page lists of 8–14 rows through its public functions, the way
   bench/extraction.py makes them (degraded; PNG, JPEG, TIFF, scanned PDF, Pillow's PDF in turn), at 200
   and 300 dpi alternately. Second generator: `--docs` lists of 1–4 pages in its random layouts at 200 and
   300 dpi (PDF, TIFF, PNG, JPEG as drawn), and `--photos` phone photos (perspective, shadow, JPEG).
2. Field accuracy (`accuracy_<generator>_<field>`): cells read exactly right, rows paired by person
   (tests/scans/second/score.py), over the scans of >= 200 dpi; the photos apart (`accuracy_photo_*`).
3. Dossiers, with `chalicelib.checks.scan.compare_lists`, the check step's pure comparison. Clean: the
   typed data equals the list; it is falsely bounced when any `scan_mismatch` comes out (or the
   extraction fails). `false_bounce_rate` is over every clean dossier of both generators, photos
   included. Deliberate: for each document and each kind of difference (an SI digit, a date of birth, a
   suspension date, another person, another ID card) the typed data differs in that one field of one row;
   it is caught when a `scan_mismatch` names that row and field. `true_mismatch_recall` is over all.
   When `compare_lists` accepts a `registry` (SI number -> participant), one built from the ground truth
   is passed: the registry then agrees with the scan, as it would for a real employer's correct list; when
   it accepts `found_columns`, the extraction's `columns` are passed, as the check step would.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(1, os.path.dirname(os.path.abspath(__file__)))

from extraction import CONTENT, FORMATS, make_case  # noqa: E402  (bench/extraction.py: the first generator's cases)

from chalicelib.checks.scan import compare_lists  # noqa: E402
from chalicelib.domain.dossier import Worker  # noqa: E402
from chalicelib.extraction import extract_document  # noqa: E402
from tests.scans import second  # noqa: E402
from tests.scans.second.score import FIELDS, add_tallies, rates, tally  # noqa: E402

GENERATORS = ("first", "second")


def _first_rows(doc: Any) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The first generator's document as ground truth dicts (its public attributes only)."""

    def iso(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    rows = [{f: iso(getattr(w, f)) for f in FIELDS} | {"row": i + 1} for i, w in enumerate(doc.workers)]
    return {"unit_code": doc.unit_code, "tax_code": doc.tax_code, "name": doc.unit_name}, rows


def documents(docs: int, photos: int, seed: int) -> list[dict[str, Any]]:
    """Every document of the run: generator, capture, dpi, bytes, content type, name, unit and rows."""
    out: list[dict[str, Any]] = []
    rng = random.Random(seed)
    for i in range(docs):
        dpi = (200, 300)[i % 2]
        fmt = FORMATS[i % len(FORMATS)]
        doc, data = make_case(rng, dpi, fmt, rows=rng.randint(8, 14))
        unit, rows = _first_rows(doc)
        out.append(
            dict(
                generator="first",
                capture="scan",
                dpi=dpi,
                format=fmt,
                data=data,
                content_type=CONTENT[fmt],
                filename=f"first_{i}.{fmt.split('_')[-1]}",
                unit=unit,
                rows=rows,
                pages=1,
            )
        )
    for i in range(docs):
        dpi = (200, 300)[i % 2]
        s = second.generate(seed * 100 + i, dpi=dpi)
        out.append(
            dict(
                generator="second",
                capture="scan",
                dpi=dpi,
                format=s.truth["format"],
                data=s.data,
                content_type=s.content_type,
                filename=s.filename,
                unit=s.unit,
                rows=s.rows,
                pages=s.truth["pages"],
                layout=s.truth["layout"],
            )
        )
    for i in range(photos):
        s = second.generate(seed * 100 + 50 + i, dpi=250, capture="photo", pages=1)
        out.append(
            dict(
                generator="second",
                capture="photo",
                dpi=250,
                format="jpeg",
                data=s.data,
                content_type=s.content_type,
                filename=s.filename,
                unit=s.unit,
                rows=s.rows,
                pages=s.truth["pages"],
                layout=s.truth["layout"],
            )
        )
    return out


def registry_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """SI number -> the registry's participant, agreeing with the ground truth (for `compare_lists`)."""
    from chalicelib.domain.registry import Participant

    return {
        r["si_number"]: Participant(r["si_number"], r["full_name"], r["date_of_birth"], r.get("id_number"), "")
        for r in rows
    }


_PARAMETERS = inspect.signature(compare_lists).parameters
_TAKES_REGISTRY = "registry" in _PARAMETERS
_TAKES_COLUMNS = "found_columns" in _PARAMETERS


def compare(typed: list[dict[str, Any]], result: dict[str, Any], name: str, truth: list[dict[str, Any]]) -> list[Any]:
    """`compare_lists` on the typed data and what the extraction read, with the optional inputs it takes:
    a registry that agrees with the truth, and the columns the extraction found."""
    workers = [Worker(**{f: r[f] for f in FIELDS}) for r in typed]
    extra: dict[str, Any] = {}
    if _TAKES_REGISTRY:
        extra["registry"] = registry_of(truth)
    if _TAKES_COLUMNS and result.get("columns") is not None:
        extra["found_columns"] = result["columns"]
    return compare_lists(workers, result["workers"], name, **extra)


def run(docs: int, photos: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    cases = documents(docs, photos, seed)
    made = time.perf_counter() - started
    counts: dict[str, dict[str, list[int]]] = {}
    clean = {"dossiers": 0, "bounced": 0}
    per_gen: dict[str, dict[str, int]] = {}
    caught: dict[str, list[int]] = {}
    bounces: list[str] = []
    missed: list[str] = []
    ocr_seconds = 0.0
    pages = 0
    for k, case in enumerate(cases):
        key = case["generator"] if case["capture"] == "scan" else "photo"
        label = f"{case['generator']}#{k} {case['capture']} {case['dpi']}dpi {case['format']}"
        t = time.perf_counter()
        try:
            result = extract_document(case["data"], case["content_type"], filename=case["filename"]).to_dict()
            scanned, error = result["workers"], None
        except Exception as exc:  # noqa: BLE001 - an attachment the extraction cannot read bounces the dossier
            result, scanned, error = {"unit": {}, "pages": [], "workers": []}, [], f"{type(exc).__name__}: {exc}"
        ocr_seconds += time.perf_counter() - t
        pages += case["pages"]
        cells = tally(case["rows"], scanned)
        for f in ("unit_code", "tax_code"):
            cells[f] = [int(result["unit"].get(f) == case["unit"][f]), 1]
        cells["row_count"] = [int(len(scanned) == len(case["rows"])), 1]
        add_tallies(counts.setdefault(key, {}), cells)

        g = per_gen.setdefault(case["generator"], {"dossiers": 0, "bounced": 0, "mismatches": 0, "caught": 0})
        findings = [
            f for f in compare(case["rows"], result, case["filename"], case["rows"]) if f.code == "scan_mismatch"
        ]
        clean["dossiers"] += 1
        g["dossiers"] += 1
        if error or findings:
            clean["bounced"] += 1
            g["bounced"] += 1
            why = error or "; ".join(f"row {f.row} {f.field}" for f in findings[:4]) + (
                f" (+{len(findings) - 4})" if len(findings) > 4 else ""
            )
            bounces.append(f"{label}: {why}")
        for kind in second.MUTATION_KINDS:
            typed, miss = second.mutate(case["rows"], random.Random(f"{seed}:{k}:{kind}"), kind)
            found = [] if error else compare(typed, result, case["filename"], case["rows"])
            hit = any(f.code == "scan_mismatch" and f.row == miss.row and f.field == miss.field for f in found)
            caught.setdefault(kind, [0, 0])
            caught[kind][0] += hit
            caught[kind][1] += 1
            g["mismatches"] += 1
            g["caught"] += hit
            if not hit:
                missed.append(f"{label} {kind}: row {miss.row} {miss.field} {miss.scanned!r} -> {miss.typed!r}")
        print(
            f"{label}: {len(scanned)}/{len(case['rows'])} rows, {time.perf_counter() - t:.1f} s, "
            f"{'bounced' if error or findings else 'accepted'}",
            file=sys.stderr,
            flush=True,
        )

    total_caught = sum(c for c, _ in caught.values())
    total_mismatches = sum(n for _, n in caught.values())
    report: dict[str, Any] = {
        "accuracy": {key: rates(c) for key, c in counts.items()},
        "cells": {key: c["si_number"][1] for key, c in counts.items()},
        "false_bounce_rate": round(clean["bounced"] / clean["dossiers"], 4) if clean["dossiers"] else None,
        "true_mismatch_recall": round(total_caught / total_mismatches, 4) if total_mismatches else None,
        "clean_dossiers": clean["dossiers"],
        "falsely_bounced": clean["bounced"],
        "deliberate_mismatches": total_mismatches,
        "caught": total_caught,
        "recall_by_kind": {kind: round(c / n, 4) for kind, (c, n) in caught.items()},
        "by_generator": {
            gen: {
                "false_bounce_rate": round(v["bounced"] / v["dossiers"], 4),
                "true_mismatch_recall": round(v["caught"] / v["mismatches"], 4),
                "dossiers": v["dossiers"],
            }
            for gen, v in per_gen.items()
        },
        "registry_passed": _TAKES_REGISTRY,
        "found_columns_passed": _TAKES_COLUMNS,
        "bounces": bounces,
        "missed": missed[:40],
        "documents": {"first": docs, "second": docs, "photos": photos, "pages": pages},
        "generate_seconds": round(made, 1),
        "ocr_seconds": round(ocr_seconds, 1),
        "bench_seconds": round(time.perf_counter() - started, 1),
        "cpus": os.cpu_count(),
    }
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=12, help="scanned documents per generator (200 and 300 dpi)")
    ap.add_argument("--photos", type=int, default=3, help="phone photos from the second generator")
    ap.add_argument("--seed", type=int, default=2020)
    args = ap.parse_args()
    report = run(args.docs, args.photos, args.seed)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
