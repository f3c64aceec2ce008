"""The QR code on every slip: it leads to the public look-up of the slip's dossier."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

import segno

__all__ = ["QR_MASK", "lookup_url", "qr_matrix", "qr_runs"]

QR_MASK = 2
"""The QR's data mask, fixed. Any of the eight masks gives a valid code (ISO/IEC 18004 leaves the choice
to the encoder), and choosing the one with the lowest penalty means building and scoring all eight: three
quarters of the QR's cost, paid on every slip (each has its own check code, hence its own QR). Mask 2 is
the one that choice lands on for 185 of 200 slip addresses of the usual shape (it has the lowest mean
penalty as well); tests/unit/documents/test_render.py decodes every kind of slip's QR with zbar from the
rendered page."""


def lookup_url(public_base_url: str, portal_code: str, slip_number: str | None = None, check: str | None = None) -> str:
    """``{public_base_url}/v1/lookup/{portal_code}``, the code percent-encoded as a path segment;
    with a slip's number and its check code, the page also says whether that slip is genuine.

    >>> lookup_url("https://motcua.example.vn/", "G22.99-200512-000123")
    'https://motcua.example.vn/v1/lookup/G22.99-200512-000123'
    >>> lookup_url("https://motcua.example.vn", "G22.99-200512-000123", "000001/2026/TNHS-031", "K7QZ2M4A")
    'https://motcua.example.vn/v1/lookup/G22.99-200512-000123?so=000001%2F2026%2FTNHS-031&ma=K7QZ2M4A'
    """
    url = f"{public_base_url.rstrip('/')}/v1/lookup/{quote(portal_code, safe='')}"
    if slip_number and check:
        url += f"?so={quote(slip_number, safe='')}&ma={quote(check, safe='')}"
    return url


@lru_cache(maxsize=256)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of a QR code for ``data`` (error correction M, mask `QR_MASK`, no quiet zone), dark = True."""
    code = segno.make(data, error="m", micro=False, boost_error=False, mask=QR_MASK)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def qr_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR's size and its dark modules as horizontal runs ``(row, first column, length)``.

    Drawing runs instead of single modules keeps the PDF small and fast to render.
    """
    matrix = qr_matrix(data)
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return len(matrix), runs
