"""The public pages a phone opens from a slip's QR: where a dossier stands, whether a slip is genuine,
and a form to check a PDF. HTML made on the server, readable without scripts, no personal data.

Why on the server: the people who scan the QR are workers and employers on phones and slow links;
a page that needs a script bundle to say "Đã tiếp nhận" fails them. Every value that reaches the
page is escaped here, and the page takes the console's strict headers (no script at all).
"""

from __future__ import annotations

import email.parser
import email.policy
from datetime import date, datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Any

from chalicelib.api.console import Headers, security_headers
from chalicelib.documents.slips import TITLES as SLIP_TITLES
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.feedback import Feedback
from chalicelib.domain.procedures import PROCEDURES
from chalicelib.domain.slip_check import SlipCheck
from chalicelib.domain.states import Status
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.errors import InvalidInput, NotFound

__all__ = [
    "asset",
    "feedback_page",
    "feedback_sent_page",
    "form_fields",
    "form_file",
    "lookup_page",
    "not_found_page",
    "refused_page",
    "verify_page",
    "wants_html",
]

PUBLIC_DIR = Path(__file__).resolve().parents[2] / "templates" / "public"
ASSETS = {"public.css": "text/css; charset=utf-8"}

STATUS_WORDS: dict[Status, tuple[str, str]] = {
    Status.DRAFT: ("Đang soạn", "Hồ sơ chưa được nộp."),
    Status.SUBMITTED: ("Đã nộp", "Hồ sơ đã đến cơ quan BHXH và đang chờ kiểm tra."),
    Status.PROCESSING: ("Đang kiểm tra", "Cơ quan BHXH đang kiểm tra hồ sơ."),
    Status.NEEDS_CORRECTION: (
        "Cần bổ sung",
        "Hồ sơ cần bổ sung, hoàn thiện: người nộp đã được gửi phiếu yêu cầu bổ sung qua Cổng Dịch vụ công.",
    ),
    Status.REJECTED: (
        "Từ chối tiếp nhận",
        "Hồ sơ không được tiếp nhận; lý do ghi trong phiếu từ chối đã gửi người nộp.",
    ),
    Status.ACCEPTED: ("Đã tiếp nhận", "Hồ sơ đầy đủ, đã được tiếp nhận và hẹn ngày trả kết quả."),
    Status.CONFIRMED: ("Đã xác nhận", "Cơ quan BHXH đã xác nhận hồ sơ."),
    Status.FORWARDED: ("Đã chuyển cơ quan giải quyết", "Hồ sơ đã được chuyển đến cơ quan có thẩm quyền quyết định."),
    Status.DECIDED: ("Đã có kết quả", "Đã có kết quả giải quyết; người nộp sẽ được thông báo để nhận."),
    Status.RETURNED: ("Đã trả kết quả", "Kết quả đã được trả cho người nộp."),
}
"""What each status means to the person who filed, in their words (the console has the clerk's)."""


def wants_html(accept: str | None) -> bool:
    """A browser asks for HTML first; a client that names JSON, or nothing, gets JSON as before."""
    ranked = [part.split(";")[0].strip().lower() for part in (accept or "").split(",")]
    for media in ranked:
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in ("application/json", "*/*"):
            return False
    return False


def _page(title: str, body: str, base: str) -> tuple[str, Headers]:
    html = Template((PUBLIC_DIR / "page.html").read_text(encoding="utf-8")).substitute(
        title=escape(title), body=body, base=base
    )
    return html, security_headers("text/html; charset=utf-8")


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM_TZ)
        return f"{value:%H:%M} ngày {value:%d/%m/%Y}"
    return f"{value:%d/%m/%Y}"


def _slip_box(check: SlipCheck) -> str:
    if check.issued_at is None or check.kind is None:
        return (
            '<section class="bad" role="status"><h2>Không xác thực được phiếu</h2>'
            f"<p>Hệ thống không cấp phiếu số <b>{escape(check.number)}</b> với mã kiểm tra này cho hồ sơ này. "
            "Phiếu có thể đã bị sửa hoặc giả mạo: xin đối chiếu với cơ quan BHXH.</p></section>"
        )
    title = SLIP_TITLES.get(check.kind, check.kind).capitalize()
    tail = (
        f" Phiếu này đã được thay bằng phiếu số <b>{escape(check.superseded_by)}</b>."
        if check.superseded_by
        else " Phiếu còn hiệu lực."
    )
    return (
        '<section class="good" role="status"><h2>Phiếu do hệ thống cấp</h2>'
        f"<p>{escape(title)} số <b>{escape(check.number)}</b> do hệ thống cấp {escape(_day(check.issued_at))}.{tail}</p></section>"
    )


def lookup_page(d: Dossier | None, check: SlipCheck | None) -> tuple[str, Headers]:
    """The dossier's standing: code, procedure, status in words, dates, late or not, slips issued
    (the not-found page when there is no such dossier)."""
    if d is None:
        return not_found_page()
    words, meaning = STATUS_WORDS.get(d.status, (d.status.value, ""))
    rules = PROCEDURES.get(d.procedure)
    late = "Quá hạn" if d.overdue else "Đúng hạn"
    rows = [
        ("Mã hồ sơ", d.portal_code),
        ("Thủ tục", rules.title if rules else d.procedure),
        ("Ngày tiếp nhận", _day(d.received_at)),
        ("Ngày hẹn trả kết quả", _day(d.due_date)),
        ("Tiến độ", late if d.due_date else "—"),
    ]
    slips = (
        "".join(
            f"<li>{escape(SLIP_TITLES.get(x.kind, x.kind).capitalize())} số {escape(x.number)}, cấp {escape(_day(x.issued_at))}</li>"
            for x in d.documents
        )
        or "<li>Chưa có phiếu nào.</li>"
    )
    body = (
        (_slip_box(check) if check else "")
        + f'<section><p class="status">Tình trạng: <b>{escape(words)}</b></p><p>{escape(meaning)}</p>'
        + "<dl>"
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
        + "</dl></section>"
        + f"<section><h2>Giấy tờ đã cấp</h2><ul>{slips}</ul></section>"
        + _verify_form()
        + _feedback_form(d.portal_code)
    )
    return _page("Tra cứu hồ sơ", body, "../..")


def not_found_page() -> tuple[str, Headers]:
    """No dossier with this code (the QR of a made-up slip leads here too)."""
    body = (
        '<section class="bad" role="status"><h2>Không tìm thấy hồ sơ</h2>'
        "<p>Không có hồ sơ nào với mã này. Xin kiểm tra lại mã hồ sơ in trên phiếu.</p></section>" + _verify_form()
    )
    return _page("Tra cứu hồ sơ", body, "../..")


def _feedback_form(portal_code: str) -> str:
    """Feedback on this dossier. `website` is a honeypot: hidden from people, filled in by bots."""
    from chalicelib.domain.feedback import MAX_CONTACT, MAX_CONTENT, rules

    kinds = "".join(f'<option value="{escape(k)}">{escape(v)}</option>' for k, v in rules().kinds.items())
    return (
        "<section><h2>Gửi phản ánh, kiến nghị về hồ sơ này</h2>"
        '<form method="post" action="../../v1/feedback">'
        f'<input type="hidden" name="portal_code" value="{escape(portal_code)}">'
        f'<label for="fb-kind">Nội dung phản ánh về</label><select id="fb-kind" name="kind">{kinds}</select>'
        f'<label for="fb-content">Nội dung</label><textarea id="fb-content" name="content" rows="5" maxlength="{MAX_CONTENT}" required></textarea>'
        f'<label for="fb-contact">Số điện thoại hoặc thư điện tử để nhận trả lời (không công khai)</label>'
        f'<input id="fb-contact" name="contact" type="text" maxlength="{MAX_CONTACT}" autocomplete="email">'
        '<div class="hp" aria-hidden="true"><label for="fb-website">Để trống ô này</label>'
        '<input id="fb-website" name="website" type="text" tabindex="-1" autocomplete="off"></div>'
        '<button type="submit">Gửi phản ánh</button></form></section>'
    )


def feedback_sent_page(code: str, answer_due: date) -> tuple[str, Headers]:
    box = (
        '<section class="good" role="status"><h2>Đã nhận phản ánh</h2>'
        f"<p>Mã phản ánh: <b>{escape(code)}</b>. Cơ quan BHXH sẽ trả lời chậm nhất ngày {escape(_day(answer_due))}. "
        f'Xem trả lời tại <a href="../v1/feedback/{escape(code)}">trang của phản ánh này</a>.</p></section>'
    )
    return _page("Phản ánh, kiến nghị", box, "..")


def feedback_page(item: Feedback) -> tuple[str, Headers]:
    """An item by its code: its kind, status and published answer; never the sender's contact."""
    from chalicelib.domain.feedback import rules

    answered = item.status == "answered"
    rows = [
        ("Mã phản ánh", item.code),
        ("Hồ sơ", item.portal_code),
        ("Về", rules().kinds.get(item.kind, item.kind)),
        ("Ngày nhận", _day(item.received_at)),
        ("Hạn trả lời", _day(item.answer_due)),
        ("Tình trạng", "Đã trả lời" if answered else "Đang xử lý"),
    ]
    body = "<section><dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl></section>"
    if answered and item.answer:
        body += f"<section><h2>Trả lời của cơ quan BHXH ({escape(_day(item.answered_at))})</h2><p>{escape(item.answer)}</p></section>"
    elif answered:
        body += "<section><p>Cơ quan BHXH đã trả lời trực tiếp người gửi.</p></section>"
    return _page("Phản ánh, kiến nghị", body, "../..")


def form_fields(raw: bytes) -> dict[str, str]:
    """A form sent as `application/x-www-form-urlencoded`: each field's first value."""
    from urllib.parse import parse_qs

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("invalid_form", "Biểu mẫu không đọc được.", "The form is not UTF-8.") from None
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True, max_num_fields=20).items()}


def _verify_form(action: str = "../../v1/verify") -> str:
    """`action`: /v1/verify relative to the page (the look-up is two levels deeper than the verify page)."""
    return (
        "<section><h2>Kiểm tra một phiếu PDF</h2>"
        f'<form method="post" action="{action}" enctype="multipart/form-data">'
        '<label for="pdf">Tệp PDF của phiếu</label><input id="pdf" name="pdf" type="file" accept="application/pdf" required>'
        '<button type="submit">Kiểm tra</button></form>'
        '<p class="muted">Hệ thống cho biết chữ ký số còn nguyên vẹn không và phiếu có đúng là phiếu đã cấp không.</p></section>'
    )


def verify_page(result: dict[str, Any]) -> tuple[str, Headers]:
    """What `/v1/verify` said of an uploaded PDF, in words."""
    document = result.get("document") or {}
    if result.get("issued_by_system"):
        title = SLIP_TITLES.get(document.get("kind") or "", "phiếu").capitalize()
        box = (
            '<section class="good" role="status"><h2>Phiếu thật, còn nguyên vẹn</h2>'
            f"<p>{escape(title)} số <b>{escape(document.get('number') or '')}</b> của hồ sơ {escape(document.get('portal_code') or '')} "
            "do hệ thống cấp, chữ ký số hợp lệ và tệp không bị sửa.</p></section>"
        )
    else:
        problems = "".join(f"<li>{escape(p.get('message', ''))}</li>" for p in result.get("problems", []))
        box = (
            '<section class="bad" role="status"><h2>Không phải phiếu do hệ thống cấp, hoặc đã bị sửa</h2>'
            "<p>Không nên tin vào tệp này. Xin đối chiếu với cơ quan BHXH.</p>"
            + (f"<ul>{problems}</ul>" if problems else "")
            + "</section>"
        )
    form = _verify_form("verify")
    return _page("Kiểm tra phiếu", box + form, "..")


def refused_page(reason: str, what: str = "verify") -> tuple[str, Headers]:
    """A form that could not be taken at all (no file, not a PDF; feedback out of bounds)."""
    if what == "feedback":
        box = f'<section class="bad" role="alert"><h2>Chưa gửi được phản ánh</h2><p>{escape(reason)}</p></section>'
        return _page("Phản ánh, kiến nghị", box, "..")
    box = f'<section class="bad" role="alert"><h2>Không kiểm tra được tệp</h2><p>{escape(reason)}</p></section>'
    return _page("Kiểm tra phiếu", box + _verify_form("verify"), "..")


def form_file(raw: bytes, content_type: str) -> bytes:
    """The one file of a `multipart/form-data` body (the page's form); a body without one is a 422."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + raw
    )
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_filename() is not None:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload:
                    return payload
    raise InvalidInput("no_file", "Chưa chọn tệp PDF để kiểm tra.", "The form carries no file.")


def asset(name: str) -> tuple[str, Headers]:
    if name not in ASSETS:
        raise NotFound("public_file")
    return (PUBLIC_DIR / name).read_text(encoding="utf-8"), security_headers(ASSETS[name])
