"""What kind of document an attachment is, from its text (and whether a worker table was found).

`worker_list`: "Danh sách người lao động ..." with a table of workers; `request_form`: the employer's
"Giấy/Văn bản/Đơn đề nghị ..." (Mẫu số 01, 02, 03 ... of Decision 15/2020/QĐ-TTg);
`suspension_agreement`: the worker's and employer's "Văn bản thỏa thuận tạm hoãn ..." or "... nghỉ
việc không hưởng lương"; anything else is `other`. Matching is fuzzy and without diacritics, so
that OCR slips do not change the answer.
"""

from __future__ import annotations

from .tables import unaccent

__all__ = ["DOCUMENT_TYPES", "classify"]

DOCUMENT_TYPES = ("worker_list", "request_form", "suspension_agreement", "other")

_CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "worker_list": (
        ("danh sach nguoi lao dong", 3.0),
        ("danh sach lao dong", 2.5),
        ("danh sach", 1.0),
        ("ma so bhxh", 1.0),
        ("ho va ten", 0.5),
    ),
    "request_form": (
        ("giay de nghi", 3.0),
        ("van ban de nghi", 3.0),
        ("don de nghi", 3.0),
        ("de nghi ho tro", 1.5),
        ("kinh gui", 1.0),
        ("mau so", 0.5),
    ),
    "suspension_agreement": (
        ("thoa thuan tam hoan", 3.5),
        ("van ban thoa thuan", 3.0),
        ("ban thoa thuan", 2.5),
        ("hai ben thoa thuan", 2.0),
        ("thoa thuan", 1.0),
        ("ben a", 0.5),
        ("ben b", 0.5),
    ),
}
_THRESHOLD = 2.0


def classify(text: str, has_worker_table: bool = False) -> str:
    from rapidfuzz import fuzz

    plain = " ".join(unaccent(text).split())
    head = plain[:1500]  # titles are at the top: the body of a form may cite other documents
    scores = {}
    for kind, cues in _CUES.items():
        score = 0.0
        for cue, weight in cues:
            if cue in plain:
                score += weight * (1.5 if cue in head else 1.0)
            elif len(cue) > 8 and fuzz.partial_ratio(cue, head) >= 90:
                score += weight * 0.8
        scores[kind] = score
    if has_worker_table:
        scores["worker_list"] += 3.0
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    return kind if best >= _THRESHOLD else "other"
