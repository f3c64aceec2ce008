"""`motcua extract FILE [--json]`: what the library reads from one attachment.

`run(path, as_json)` returns the exit code: 0 read, 2 the file cannot be read (one line on stderr:
`error: <code>: <message>`), 1 the path cannot be opened. Also runnable as
`python -m chalicelib.extraction.cli FILE [--json]`.
"""

from __future__ import annotations

import json
import mimetypes
import sys
from typing import Any

__all__ = ["main", "run"]

_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


def _content_type(path: str) -> str | None:
    import os

    ext = os.path.splitext(path)[1].lower()
    return _TYPES.get(ext) or mimetypes.guess_type(path)[0]


def run(path: str, as_json: bool) -> int:
    from . import ExtractionError, extract_document

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"error: cannot_open: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        result = extract_document(data, _content_type(path), filename=path)
    except ExtractionError as exc:
        print(f"error: {exc.code}: {exc.message_vi} / {exc.message_en}", file=sys.stderr)
        return 2
    out = result.to_dict()
    if as_json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(_summary(out))
    return 0


def _summary(out: dict[str, Any]) -> str:
    unit = out["unit"]
    conf = out["confidence"]
    lines = [
        f"document type: {out['document_type']} ({out['format']}, {len(out['pages'])} page(s), {out['seconds']:.2f}s)"
    ]
    for key, label in (("name", "unit name"), ("unit_code", "unit code"), ("tax_code", "tax code")):
        lines.append(f"{label:>10}: {unit[key] or '-'}  [{conf.get(key, 0):.2f}]")
    for p in out["pages"]:
        extra = f", rotated {p['rotation']}°" if p["rotation"] else ""
        extra += f", skew {p['skew']:+.1f}°" if p["skew"] else ""
        err = f"  ERROR: {p['error']}" if p["error"] else ""
        lines.append(f"  page {p['number']}: {p['source']}, {p['seconds']:.2f}s{extra}{err}")
    if out["workers"]:
        lines.append(f"workers ({len(out['workers'])}):")
        lines.append(
            f"  {'#':>3}  {'full name':<28} {'SI number':<11} {'born':<10} {'ID number':<12} "
            f"{'from':<10} {'to':<10} min conf"
        )
        for w in out["workers"]:
            low = min(w["confidence"].values()) if w["confidence"] else 0.0
            lines.append(
                f"  {w['row']:>3}  {(w['full_name'] or '-'):<28} {(w['si_number'] or '-'):<11} "
                f"{(w['date_of_birth'] or '-'):<10} {(w['id_number'] or '-'):<12} "
                f"{(w['period_from'] or '-'):<10} {(w['period_to'] or '-'):<10} {low:.2f}"
            )
    for prob in out["problems"]:
        lines.append(f"problem: {prob['code']} page {prob['page']}: {prob['message']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="motcua extract", description="OCR one attachment")
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    return run(args.file, args.json)


if __name__ == "__main__":
    sys.exit(main())
