"""The one exception of the library, and the messages a clerk can forward as they are."""

from __future__ import annotations

from typing import Any

__all__ = ["FIELD_TITLES", "MESSAGES", "NOTES", "ExtractionError", "error"]

# code -> (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "empty_file": ("Tệp đính kèm rỗng (0 byte).", "The attachment is empty (0 bytes)."),
    "file_too_large": ("Tệp đính kèm quá lớn để xử lý.", "The attachment is too large to process."),
    "unsupported_format": (
        "Định dạng tệp không được hỗ trợ; chỉ nhận PDF, PNG, JPEG hoặc TIFF.",
        "Unsupported file format; only PDF, PNG, JPEG or TIFF are accepted.",
    ),
    "content_type_mismatch": (
        "Nội dung tệp không khớp với loại tệp đã khai báo.",
        "The file's content does not match its declared content type.",
    ),
    "encrypted_pdf": (
        "Tệp PDF được đặt mật khẩu, không thể đọc; đề nghị gửi lại tệp không đặt mật khẩu.",
        "The PDF is password-protected and cannot be read; please send it without a password.",
    ),
    "corrupt_file": (
        "Tệp bị hỏng hoặc không đầy đủ, không thể đọc; đề nghị gửi lại tệp.",
        "The file is corrupt or truncated and cannot be read; please send it again.",
    ),
    "too_many_pages": ("Tệp có quá nhiều trang để xử lý.", "The file has too many pages to process."),
    "page_too_large": (
        "Tệp có trang với kích thước bất thường, không thể xử lý.",
        "The file has a page of abnormal size and cannot be processed.",
    ),
    "image_too_large": (
        "Ảnh có độ phân giải quá lớn, không thể xử lý.",
        "The image's resolution is too large to process.",
    ),
    "unreadable_attachment": ("Không đọc được nội dung tệp đính kèm.", "The attachment's content cannot be read."),
}


# The worker fields as the official list forms title them: (Vietnamese, English). Labels for people
# only (the notes); the period's are the procedure's words when the caller gives them
# (`extract_document(titles=...)`: "Từ ngày (ngừng việc)"), else these neutral ones.
FIELD_TITLES: dict[str, tuple[str, str]] = {
    "full_name": ("Họ và tên", "full name"),
    "si_number": ("Mã số BHXH", "SI number"),
    "date_of_birth": ("Ngày sinh", "date of birth"),
    "id_number": ("Số CCCD/CMND", "ID number"),
    "period_from": ("Từ ngày", "period start"),
    "period_to": ("Đến ngày", "period end"),
}

# Notes on a document that was read: for the clerk, not reasons to send a dossier back by themselves.
# code -> (Vietnamese, English), formatted with {columns} / {columns_en}.
NOTES: dict[str, tuple[str, str]] = {
    "column_not_found": (
        "Không tìm thấy cột {columns} trong bảng danh sách.",
        "No column {columns_en} was found in the list's table.",
    ),
    "column_unreadable": (
        "Không đọc được nội dung cột {columns} trong bảng danh sách.",
        "The contents of the column {columns_en} of the list's table could not be read.",
    ),
}


class ExtractionError(Exception):
    """A whole file that cannot be read. `code` is stable; the messages can be shown as they are."""

    def __init__(self, code: str, message_vi: str, message_en: str):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en

    @property
    def message(self) -> str:
        return self.message_vi

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en}


def error(code: str, detail_en: str = "") -> ExtractionError:
    vi, en = MESSAGES[code]
    return ExtractionError(code, vi, f"{en} ({detail_en})" if detail_en else en)
