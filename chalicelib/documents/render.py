"""Render a slip to an unsigned PDF (reportlab), with the layouts of Circular 01/2018/TT-VPCP.

Every slip is A4 portrait (the circular sets no paper size; the one-stop desks print on A4), set in
DejaVu Sans (full Vietnamese coverage, embedded as a subset; shipped in ``templates/fonts``). Each
page has a footer with the dossier's code, the slip's number, the page count and a QR code that
leads to the public look-up of the dossier.

The slip's identity is written into the PDF's document information dictionary under custom keys
(``/MotcuaKind``, ``/MotcuaNumber``, ``/MotcuaPortalCode``, ``/MotcuaOffice``) so that
:func:`chalicelib.documents.verify.verify_pdf` can say which slip a file is. The signature covers
those keys, so a signed slip cannot be relabelled without breaking its signature.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from chalicelib.domain.findings import FIELD_LABELS
from chalicelib.domain.workdays import VIETNAM_TZ

from .qr import lookup_url, qr_runs
from .slips import (
    OUTCOMES,
    ApologySlip,
    ConfirmationSlip,
    ControlSlip,
    CorrectionRequestSlip,
    DecisionSlip,
    ReceiptSlip,
    RefusalSlip,
    Slip,
    _as_moment,
)

__all__ = ["FONT_DIR", "METADATA_KEYS", "RenderError", "register_fonts", "render_slip"]

FONT_DIR = Path(__file__).resolve().parents[2] / "templates" / "fonts"
"""Where the shipped TTF fonts live."""

METADATA_KEYS = {
    "kind": "/MotcuaKind",
    "number": "/MotcuaNumber",
    "portal_code": "/MotcuaPortalCode",
    "office": "/MotcuaOffice",
}
"""Custom keys of the PDF's document information dictionary that name the slip."""

FONT, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
PAGE = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 15 * mm, 30 * mm
WIDTH = PAGE[0] - 2 * MARGIN_X
QR_SIZE = 21 * mm


class RenderError(Exception):
    """A slip could not be rendered (missing font, unknown kind)."""


_fonts_lock = threading.Lock()
_fonts_ready = False
_build_lock = threading.Lock()
"""reportlab's TrueType fonts keep per-document subset state on the shared font object: two slips
built at once in one process (the local server's threads) once raised IndexError in ttfonts.py.
Lambda runs one request per process; locally, one build at a time costs a few tens of ms."""


def register_fonts() -> None:
    """Load the TTF fonts once per process (parsing them takes tens of milliseconds)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf"), (ITALIC, "DejaVuSans-Oblique.ttf")):
            path = FONT_DIR / file
            if not path.exists():
                raise RenderError(f"font {path} missing: the slips need it for Vietnamese text")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
        _fonts_ready = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=2.5, alignment=TA_JUSTIFY)
    return {
        "body": base,
        "item": ParagraphStyle("item", parent=base, leftIndent=6 * mm),
        "subitem": ParagraphStyle("subitem", parent=base, leftIndent=12 * mm, firstLineIndent=0),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, spaceAfter=0),
        "head": ParagraphStyle(
            "head", parent=base, fontName=BOLD, fontSize=10, leading=13, alignment=TA_CENTER, spaceAfter=0
        ),
        "head_small": ParagraphStyle(
            "head_small", parent=base, fontSize=10, leading=13, alignment=TA_CENTER, spaceAfter=0
        ),
        "date": ParagraphStyle(
            "date", parent=base, fontName=ITALIC, fontSize=10, leading=13, alignment=TA_CENTER, spaceBefore=4
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=13,
            leading=17,
            alignment=TA_CENTER,
            spaceBefore=14,
            spaceAfter=4,
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER, spaceAfter=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, alignment=0, spaceAfter=0),
        "cell_head": ParagraphStyle(
            "cell_head", parent=base, fontName=BOLD, fontSize=9, leading=11.5, alignment=TA_CENTER, spaceAfter=0
        ),
        "sign_head": ParagraphStyle("sign_head", parent=base, fontName=BOLD, alignment=TA_CENTER, spaceAfter=0),
        "sign_note": ParagraphStyle(
            "sign_note", parent=base, fontName=ITALIC, fontSize=9, leading=12, alignment=TA_CENTER
        ),
    }


# --- text helpers -----------------------------------------------------------------------------


def _t(value: object) -> str:
    """Text for a Paragraph: NFC (precomposed Vietnamese letters), XML-escaped."""
    return escape(unicodedata.normalize("NFC", "" if value is None else str(value)))


def _local(moment: date | datetime) -> date | datetime:
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(VIETNAM_TZ)
    return moment


def _ngay(moment: date | datetime | None) -> str:
    """``ngày 05 tháng 02 năm 2020``."""
    if moment is None:
        return "ngày ..... tháng ..... năm ......"
    d = _local(moment)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _gio_ngay(moment: date | datetime | str | None) -> str:
    """``09 giờ 30 phút, ngày 05 tháng 02 năm 2020`` (the date alone for a date)."""
    moment = _as_moment(moment)
    if isinstance(moment, datetime):
        m = moment.astimezone(VIETNAM_TZ) if moment.tzinfo is not None else moment
        return f"{m.hour:02d} giờ {m.minute:02d} phút, {_ngay(m)}"
    return _ngay(moment)


def _short(moment: date | datetime | str | None) -> str:
    moment = _as_moment(moment)
    if moment is None:
        return ""
    m = _local(moment)
    if isinstance(m, datetime):
        return f"{m:%H:%M} {m:%d/%m/%Y}"
    return f"{m:%d/%m/%Y}"


def _or_dots(value: object, dots: str = "......................") -> str:
    return _t(value) if value not in (None, "") else dots


# --- common parts -----------------------------------------------------------------------------


def _header(slip: Slip, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    a = slip.agency
    left = [
        *([Paragraph(_t(a.parent.upper()), st["head_small"])] if a.parent else []),
        Paragraph(_t(a.name.upper()), st["head"]),
        Paragraph("<font size=7>―――――――</font>", st["center"]),
        Paragraph(f"Số: {_t(slip.number)}", st["head_small"]),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["head"]),
        Paragraph("Độc lập - Tự do - Hạnh phúc", st["head"]),
        Paragraph("<font size=7>――――――――――――――</font>", st["center"]),
        Paragraph(f"{_t(a.province)}, {_ngay(slip.issued_at)}", st["date"]),
    ]
    table = Table([[left, right]], colWidths=[WIDTH * 0.42, WIDTH * 0.58])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table, Paragraph(_t(slip.title), st["title"])]


def _signatures(st: dict[str, ParagraphStyle], *blocks: tuple[str, str, str]) -> Flowable:
    """Signature blocks side by side: (heading, note, name)."""
    cells = []
    for heading, note, name in blocks:
        cells.append(
            [
                Paragraph(_t(heading), st["sign_head"]),
                Paragraph(_t(note), st["sign_note"]),
                Spacer(1, 14 * mm),
                Paragraph(f"<b>{_t(name)}</b>" if name else "", st["center"]),
            ]
        )
    if len(cells) == 1:
        cells.insert(0, [])
    table = Table([cells], colWidths=[WIDTH / len(cells)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 6 * mm), table])


_SYSTEM_SIGNED = "(Ký số bởi hệ thống thông tin một cửa điện tử)"


def _applicant_lines(slip, st) -> list[Flowable]:
    ap = slip.applicant
    return [
        Paragraph(f"Địa chỉ: {_or_dots(ap.address)}", st["body"]),
        Paragraph(
            f"Số điện thoại: {_or_dots(ap.phone, '..........')}"
            f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {_or_dots(ap.email, '..........')}",
            st["body"],
        ),
        Paragraph(f"Nội dung yêu cầu giải quyết: <b>{_or_dots(slip.procedure_title)}</b>", st["body"]),
    ]


# --- the six layouts --------------------------------------------------------------------------


def _receipt(slip: ReceiptSlip, st) -> list[Flowable]:
    a = slip.agency
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(f"{_t(a.desk)} {_t(a.name)}", st["body"]),
        Paragraph(f"Tiếp nhận hồ sơ của: <b>{_t(slip.applicant.name)}</b>", st["body"]),
        *_applicant_lines(slip, st),
        Paragraph("1. Thành phần hồ sơ nộp gồm:", st["body"]),
    ]
    for i, att in enumerate(slip.attachments, 1):
        story.append(Paragraph(f"({i}) {_t(att.name)}: {att.count:02d} {_t(att.form)}", st["subitem"]))
    story += [
        Paragraph(f"2. Số lượng hồ sơ: {slip.dossier_count:02d} (bộ)", st["body"]),
        Paragraph(
            f"3. Thời gian giải quyết hồ sơ theo quy định là: {slip.time_limit_days} ngày làm việc"
            + (f" (trong đó {_t(a.name)}: {slip.bhxh_days} ngày làm việc)" if slip.bhxh_days else "")
            + (f"; căn cứ: {_t(slip.legal_basis)}" if slip.legal_basis else ""),
            st["body"],
        ),
        Paragraph(f"4. Thời gian nhận hồ sơ: {_gio_ngay(slip.received_at)}", st["body"]),
        Paragraph(f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{_gio_ngay(slip.due_at)}</b>", st["body"]),
        *(
            [
                Paragraph(
                    f"Thời hạn giải quyết của {_t(a.name)} (xác nhận, chuyển cơ quan có thẩm quyền): "
                    f"{_gio_ngay(slip.bhxh_due_at)}",
                    st["subitem"],
                )
            ]
            if slip.bhxh_due_at
            else []
        ),
        Paragraph(f"6. Đăng ký nhận kết quả tại: {_t(slip.result_place)}", st["body"]),
        Paragraph(
            f"Vào Sổ theo dõi hồ sơ, Quyển số: {_t(slip.register_book)} Số thứ tự: {_t(slip.register_sequence)}",
            st["body"],
        ),
        _signatures(
            st,
            ("NGƯỜI NỘP HỒ SƠ", "(Nộp trực tuyến qua Cổng Dịch vụ công quốc gia)", slip.applicant.name),
            (slip.signer_title, _SYSTEM_SIGNED, slip.signer_name),
        ),
    ]
    return story


def _correction(slip: CorrectionRequestSlip, st) -> list[Flowable]:
    a = slip.agency
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(f"Hồ sơ của: <b>{_t(slip.applicant.name)}</b>", st["body"]),
        *_applicant_lines(slip, st),
        Paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", st["body"]),
    ]
    for i, f in enumerate(slip.findings, 1):
        where = []
        if f.row is not None:
            where.append(f"dòng {f.row}")
        if f.field in FIELD_LABELS:
            where.append(f"mục <i>{_t(FIELD_LABELS[f.field])}</i>")
        where_text = f" ({', '.join(where)})" if where else ""
        story.append(Paragraph(f"{i}. {_t(f.message)}{where_text}", st["item"]))
        if f.suggestion:
            story.append(Paragraph(f"Đề nghị sửa thành: <b>{_t(f.suggestion)}</b>", st["subitem"]))
    story.append(
        Paragraph(
            "Lý do: hồ sơ chưa đầy đủ, chính xác theo quy định. Toàn bộ nội dung cần bổ sung, hoàn thiện "
            "được nêu một lần trong phiếu này. Hồ sơ đã được ký số không phải nộp thêm bản giấy.",
            st["body"],
        )
    )
    contact = _or_dots(slip.contact_name or a.desk)
    phone = _or_dots(slip.contact_phone or a.phone, "..........")
    story += [
        Paragraph(
            f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ với {contact} "
            f"số điện thoại {phone} để được hướng dẫn.",
            st["body"],
        ),
        Paragraph("Xin trân trọng cảm ơn ông/bà./.", st["body"]),
        _signatures(st, (slip.signer_title, _SYSTEM_SIGNED, slip.signer_name)),
    ]
    return story


def _refusal(slip: RefusalSlip, st) -> list[Flowable]:
    a = slip.agency
    received = f" ngày {_short(slip.received_at)}" if slip.received_at else ""
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(
            f"{_t(a.desk)} {_t(a.name)} tiếp nhận hồ sơ của: <b>{_t(slip.applicant.name)}</b>{received}", st["body"]
        ),
        *_applicant_lines(slip, st),
        Paragraph(
            f"Sau khi nghiên cứu các quy định của pháp luật, {_t(a.name)} từ chối tiếp nhận, "
            "giải quyết hồ sơ này với lý do cụ thể như sau:",
            st["body"],
        ),
    ]
    for i, reason in enumerate(slip.reasons, 1):
        story.append(Paragraph(f"{i}. {_t(reason)}", st["item"]))
    story += [
        Paragraph("Xin thông báo cho ông/bà được biết và thực hiện./.", st["body"]),
        _signatures(st, (slip.signer_title, _SYSTEM_SIGNED, slip.signer_name)),
    ]
    return story


def _apology(slip: ApologySlip, st) -> list[Flowable]:
    a = slip.agency
    received_by = slip.received_by or a.name
    step = f" ({_t(slip.step)})" if slip.step else ""
    return [
        Paragraph(f"Kính gửi: <b>{_t(slip.applicant.name)}</b>", st["subtitle"]),
        Paragraph(
            f"{_ngay(slip.received_at).capitalize()}, {_t(received_by)} tiếp nhận giải quyết hồ sơ của "
            f"ông/bà: <b>{_t(slip.applicant.name)}</b>, đề nghị giải quyết thủ tục "
            f"<b>{_or_dots(slip.procedure_title)}</b>.",
            st["body"],
        ),
        Paragraph(f"Mã số hồ sơ: <b>{_t(slip.portal_code)}</b>", st["body"]),
        Paragraph(f"Thời hẹn trả kết quả giải quyết hồ sơ: {_ngay(slip.original_due)}.", st["body"]),
        Paragraph(
            f"Tuy nhiên đến nay, {_t(a.name)}{step} chưa giải quyết xong hồ sơ của ông/bà để trả kết quả "
            f"theo đúng thời gian đã hẹn với lý do: {_t(slip.reason)}",
            st["body"],
        ),
        Paragraph(
            f"Sự chậm trễ này đã gây phiền hà cho ông/bà, {_t(a.name)} xin lỗi và mong nhận được "
            "sự thông cảm của ông/bà.",
            st["body"],
        ),
        Paragraph(
            f"{_t(a.name)} xin hẹn lại thời gian trả kết quả giải quyết hồ sơ vào <b>{_ngay(slip.new_due)}</b>.",
            st["body"],
        ),
        Paragraph("Xin trân trọng cảm ơn./.", st["body"]),
        _signatures(st, (slip.signer_title, _SYSTEM_SIGNED, slip.signer_name)),
    ]


def _control(slip: ControlSlip, st) -> list[Flowable]:
    """Mẫu 05: one row per hand-over: the agencies (1. Giao / 2. Nhận), the time with who hands over
    and who receives, the result of the step that ends there against its own deadline, notes."""
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(
            f"(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số: {_or_dots(slip.receipt_number)})", st["center"]
        ),
        Spacer(1, 3 * mm),
        Paragraph(f"Cơ quan (bộ phận) giải quyết hồ sơ: <b>{_t(slip.handling_unit)}</b>", st["body"]),
        Paragraph(f"Cơ quan phối hợp giải quyết hồ sơ: {_or_dots(slip.cooperating_units)}", st["body"]),
    ]
    if slip.due_at is not None:
        moved = f", hẹn lại {_ngay(slip.moved_due_at)}" if slip.moved_due_at else ""
        story.append(Paragraph(f"Thời hạn trả kết quả: {_ngay(slip.due_at)}{moved}", st["body"]))
    c, h = st["cell"], st["cell_head"]
    rows: list[list] = [
        [
            Paragraph(x, h)
            for x in (
                "TÊN CƠ QUAN",
                "THỜI GIAN GIAO, NHẬN HỒ SƠ",
                "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)",
                "GHI CHÚ",
            )
        ]
    ]
    for ho in slip.handovers:
        agencies = f"1. Giao: {_t(ho.giver)}" + (f"<br/>2. Nhận: {_t(ho.receiver)}" if ho.receiver else "")
        when = [_t(_gio_ngay(ho.at)) if ho.at else "Chưa giao"]
        if ho.giver_person:
            when.append(f"Người giao: {_t(ho.giver_person)}")
        if ho.receiver_person:
            when.append(f"Người nhận: {_t(ho.receiver_person)}")
        if ho.outcome:
            result = f"<b>{_t(OUTCOMES[ho.outcome])}</b>"
        elif ho.due is not None:
            result = "Đang giải quyết"
        else:
            result = "—"
        if ho.due is not None:
            result += f"<br/>(hạn {_t(_short(ho.due))})"
        rows.append(
            [Paragraph(agencies, c), Paragraph("<br/>".join(when), c), Paragraph(result, c), Paragraph(_t(ho.note), c)]
        )
    widths = [52 * mm, 46 * mm, 32 * mm, WIDTH - 130 * mm]
    story += [
        Spacer(1, 3 * mm),
        _grid(rows, widths, align_center=(2,)),
        Spacer(1, 2 * mm),
        Paragraph(
            "Ghi chú: bên giao và bên nhận xác nhận bằng tài khoản của mình trên hệ thống "
            "thông tin một cửa điện tử; phiếu được lập khi tiếp nhận và cập nhật ở mỗi lần giao, nhận "
            "hồ sơ.",
            st["sign_note"],
        ),
        _signatures(st, (slip.signer_title, _SYSTEM_SIGNED, slip.signer_name)),
    ]
    return story


def _confirmation(slip: ConfirmationSlip, st) -> list[Flowable]:
    e = slip.employer
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(f"Thủ tục: <b>{_or_dots(slip.procedure_title)}</b>", st["body"]),
        Paragraph(f"{_t(slip.party)}: <b>{_t(e.name)}</b>", st["body"]),
    ]
    if slip.party == "Đơn vị sử dụng lao động":  # a worker filing for themselves has no unit code or tax code
        story.append(
            Paragraph(
                f"Mã đơn vị: {_or_dots(e.unit_code, '..........')}&nbsp;&nbsp;&nbsp;&nbsp;"
                f"Mã số thuế: {_or_dots(e.tax_code, '..........')}",
                st["body"],
            )
        )
    if e.address:
        story.append(Paragraph(f"Địa chỉ: {_t(e.address)}", st["body"]))
    story.append(Paragraph(f"Danh sách người lao động ({len(slip.workers)} người):", st["body"]))
    c, h = st["cell"], st["cell_head"]
    widths = [11 * mm, 61 * mm, 28 * mm, 24 * mm, 23 * mm, 23 * mm]
    name_width = widths[1] - 8
    rows: list[list] = [
        [Paragraph(x, h) for x in ("STT", "Họ và tên", "Mã số BHXH", "Ngày sinh", "Từ tháng", "Đến tháng")]
    ]
    for i, w in enumerate(slip.workers, 1):
        name = unicodedata.normalize("NFC", w.full_name)
        if pdfmetrics.stringWidth(name, FONT, c.fontSize) > name_width:
            name = Paragraph(_t(name), c)  # wraps only where needed: 300 rows stay fast
        rows.append(
            [
                str(i),
                name,
                w.si_number,
                _short(w.date_of_birth),
                f"{w.period_from:%m/%Y}" if w.period_from else "",
                f"{w.period_to:%m/%Y}" if w.period_to else "",
            ]
        )
    story += [
        _grid(rows, widths, long=True, align_center=(0, 2, 3, 4, 5)),
        Spacer(1, 3 * mm),
        Paragraph(_t(slip.statement), st["body"]),
        _signatures(st, (f"{slip.signer_title} {slip.agency.name.upper()}", _SYSTEM_SIGNED, slip.signer_name)),
    ]
    return story


def _decision(slip: DecisionSlip, st) -> list[Flowable]:
    e = slip.employer
    period = (
        f" từ tháng {slip.period_from:%m/%Y} đến tháng {slip.period_to:%m/%Y}"
        if slip.period_from and slip.period_to
        else ""
    )
    verdict = (
        f"Đồng ý cho {_t(e.name)} (mã đơn vị {_or_dots(e.unit_code, '..........')}) "
        f"{_t(slip.procedure_title[:1].lower() + slip.procedure_title[1:])}{period}, "
        f"đối với {slip.workers} người lao động trong danh sách kèm theo hồ sơ."
        if slip.approved
        else f"Không chấp thuận đề nghị {_t(slip.procedure_title[:1].lower() + slip.procedure_title[1:])} "
        f"của {_t(e.name)} (mã đơn vị {_or_dots(e.unit_code, '..........')})."
    )
    story = [
        Paragraph(f"Mã hồ sơ: <b>{_t(slip.portal_code)}</b>", st["subtitle"]),
        Paragraph(f"Về việc: <b>{_or_dots(slip.procedure_title)}</b>", st["body"]),
        Paragraph(f"Căn cứ {_t(slip.legal_basis)};", st["body"]) if slip.legal_basis else Spacer(1, 0),
        Paragraph("Căn cứ hồ sơ đề nghị của đơn vị và dữ liệu tham gia bảo hiểm xã hội;", st["body"]),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st["body"]),
        Paragraph(f"Điều 1. {verdict}", st["body"]),
    ]
    if slip.note:
        story.append(Paragraph(f"Lý do, ghi chú: {_t(slip.note)}", st["body"]))
    story += [
        Paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", st["body"]),
        _signatures(st, (f"{slip.signer_title} {slip.agency.name.upper()}", _SYSTEM_SIGNED, slip.signer_name)),
    ]
    return story


def _grid(rows: list[list], widths: list[float], *, long: bool = False, align_center: Iterable[int] = (0,)) -> Table:
    cls = LongTable if long else Table
    table = cls(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("ALIGN", (col, 1), (col, -1), "CENTER") for col in align_center]
    table.setStyle(TableStyle(style))
    return table


_LAYOUTS: dict[str, Callable] = {
    "receipt": _receipt,
    "correction_request": _correction,
    "refusal": _refusal,
    "apology": _apology,
    "control_slip": _control,
    "confirmation": _confirmation,
    "decision": _decision,
}


# --- the canvas: footer, QR, page count, metadata ----------------------------------------------


class _SlipInfo(PDFInfo):
    """Document information with the slip's identity under custom keys."""

    def __init__(self, extra: dict[str, str]):
        super().__init__()
        self.extra = extra

    def format(self, document):
        d = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
            "Trapped": PDFName(self.trapped),
        }
        d["ModDate"] = d["CreationDate"] = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        for key, value in self.extra.items():
            d[key.lstrip("/")] = PDFString(value)
        return PDFDictionary(d).format(document)


def _canvas_class(slip: Slip, url: str, check: str | None = None) -> type[Canvas]:
    footer_left = f"Mã hồ sơ: {slip.portal_code} · Số: {slip.number}"
    # the address in words without the QR's query (which would run under the QR), and the check code apart
    shown = f"Tra cứu hồ sơ: {url.split('?')[0]}" + (f" · Mã kiểm tra phiếu: {check}" if check else "")
    size, runs = qr_runs(url)

    class SlipCanvas(Canvas):
        """Defers pages so each footer can say "Trang i/n"; draws the QR once as a form."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            info = _SlipInfo(
                {
                    METADATA_KEYS["kind"]: slip.kind,
                    METADATA_KEYS["number"]: slip.number,
                    METADATA_KEYS["portal_code"]: slip.portal_code,
                    METADATA_KEYS["office"]: slip.office or "",
                }
            )
            info.title = unicodedata.normalize("NFC", slip.title)
            info.author = unicodedata.normalize("NFC", slip.agency.name)
            info.subject = f"{slip.kind} {slip.number} {slip.portal_code}"
            info.keywords = f"motcua, {slip.kind}, {slip.number}, {slip.portal_code}"
            info.creator = "motcua"
            self._doc.info = info
            self._qr = {"ready": False}  # shared by the saved page states

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._footer(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _qr_form(self):
            if self._qr["ready"]:
                return
            self.beginForm("lookup_qr", lowerx=0, lowery=0, upperx=QR_SIZE, uppery=QR_SIZE)
            module = QR_SIZE / size
            path = self.beginPath()
            for row, col, length in runs:
                path.rect(col * module, QR_SIZE - (row + 1) * module, length * module + 0.01, module + 0.01)
            self.setFillColor(colors.black)
            self.drawPath(path, stroke=0, fill=1)
            self.endForm()
            self._qr["ready"] = True

        def _footer(self, number: int, total: int):
            self._qr_form()
            x, y = PAGE[0] - MARGIN_X - QR_SIZE, 7 * mm
            self.saveState()
            self.translate(x, y)
            self.doForm("lookup_qr")
            self.restoreState()
            self.saveState()
            self.setStrokeColor(colors.grey)
            self.setLineWidth(0.4)
            self.line(MARGIN_X, y + QR_SIZE + 1.5 * mm, PAGE[0] - MARGIN_X, y + QR_SIZE + 1.5 * mm)
            self.setFont(FONT, 8)
            self.drawString(MARGIN_X, y + 15 * mm, footer_left)
            room = PAGE[0] - 2 * MARGIN_X - QR_SIZE - 3 * mm
            size = 8.0
            while size > 5 and pdfmetrics.stringWidth(shown, FONT, size) > room:
                size -= 0.5
            self.setFont(FONT, size)
            self.drawString(MARGIN_X, y + 10.5 * mm, shown)
            self.setFont(FONT, 8)
            self.setFont(ITALIC, 7.5)
            self.drawString(MARGIN_X, y + 6 * mm, "Văn bản điện tử được ký số; quét mã QR để tra cứu tình trạng hồ sơ.")
            self.setFont(FONT, 8)
            self.drawString(MARGIN_X, y + 1.5 * mm, f"Trang {number}/{total}")
            self.restoreState()

    return SlipCanvas


def render_slip(slip: Slip, *, public_base_url: str | None = None, check: str | None = None) -> bytes:
    """The slip as an unsigned A4 PDF.

    Parameters
    ----------
    slip:
        One of the data classes of :mod:`chalicelib.documents.slips`.
    public_base_url:
        Where the public look-up lives (the QR code's address); by default
        ``settings().public_base_url``.
    check:
        The slip's check code (recorded with it): the QR then leads to a page that says whether
        this number was issued with this code, so a phone can tell a genuine slip from a made-up one.

    Raises
    ------
    RenderError
        for an object that is not a slip, or when the fonts are missing.
    """
    layout = _LAYOUTS.get(getattr(slip, "kind", ""))
    if layout is None or not isinstance(slip, Slip):
        raise RenderError(f"expected a slip of a kind among {sorted(_LAYOUTS)}, got {type(slip).__name__}")
    if public_base_url is None:
        from chalicelib.config import settings

        public_base_url = settings().public_base_url
    register_fonts()
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=slip.title,
        author=slip.agency.name,
        creator="motcua",
    )
    story = _header(slip, st) + layout(slip, st)
    with _build_lock:
        doc.build(
            story,
            canvasmaker=_canvas_class(slip, lookup_url(public_base_url, slip.portal_code, slip.number, check), check),
        )
    return buffer.getvalue()
