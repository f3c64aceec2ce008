"""Findings: every problem found in a dossier, in words a clerk can forward as is.

A correction request (Mẫu 02) lists every finding at once, so the applicant never comes back twice
for one dossier; the codes are the machine-readable part the portal and the console act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = [
    "BLOCKING",
    "CODES",
    "FIELD_LABELS",
    "FIXABLE",
    "MESSAGES",
    "REFUSING",
    "Finding",
    "FindingCode",
    "Message",
    "Param",
    "Text",
    "finding",
    "texts",
]

FindingCode = Literal[
    "unknown_unit",
    "unit_tax_mismatch",
    "unknown_si_number",
    "identity_mismatch",
    "not_in_unit",
    "not_participating",
    "duplicate_claim",
    "period_out_of_range",
    "scan_mismatch",
    "unreadable_attachment",
    "missing_attachment",
    "signature_missing",
    "signature_invalid",
    "signature_not_applicant",
    "entitled_to_benefit",
    "unit_condition_not_met",
    "industry_missing",
    "industry_not_eligible",
]

FIXABLE: frozenset[str] = frozenset(
    {
        "unknown_unit",
        "unit_tax_mismatch",
        "unknown_si_number",
        "identity_mismatch",
        "scan_mismatch",
        "unreadable_attachment",
        "missing_attachment",
        "signature_missing",
        "signature_invalid",
        "signature_not_applicant",
        "period_out_of_range",
        "industry_missing",
        "industry_not_eligible",
    }
)
"""Problems the applicant can correct: they lead to a correction request, not a refusal."""

BLOCKING: frozenset[str] = frozenset({"not_in_unit", "not_participating", "duplicate_claim", "entitled_to_benefit"})
"""Problems that make a worker ineligible; a dossier whose every worker has one is refused
(`entitled_to_benefit`: a terminated worker entitled to unemployment benefit gets that instead)."""

REFUSING: frozenset[str] = frozenset({"unit_condition_not_met"})
"""Problems of the applicant itself that no correction fixes: the dossier is refused (a unit that
does not meet its procedure's unit-level condition, e.g. the share of workers off for a pension pause)."""

FIELD_LABELS: dict[str, str] = {
    "full_name": "Họ và tên",
    "si_number": "Mã số BHXH",
    "date_of_birth": "Ngày, tháng, năm sinh",
    "id_number": "Số CCCD/CMND",
    "period_from": "Thời gian đề nghị hỗ trợ: từ ngày",
    "period_to": "Thời gian đề nghị hỗ trợ: đến ngày",
    "workers": "Danh sách người lao động",
    "applicant.unit_code": "Mã đơn vị",
    "applicant.tax_code": "Mã số thuế",
    "applicant.industry": "Ngành, nghề",
    "attachments": "Thành phần hồ sơ",
}
"""How a slip names the `field` of a finding: the applicant's words, never the field's code."""


Text = tuple[str, str]
"""(Vietnamese, English)."""

Param = str | int | None | tuple[str, str]
"""A value put into a message: the same in both languages, or (Vietnamese, English)."""


@dataclass(frozen=True)
class Message:
    """One wording of a finding, in both languages, with `{placeholders}` the check fills in."""

    code: FindingCode
    vi: str
    en: str


CODES: dict[str, Text] = {
    "unknown_unit": ("Mã đơn vị không có trong cơ sở dữ liệu", "Unit code not in the registry"),
    "unit_tax_mismatch": ("Mã số thuế không khớp với mã đơn vị", "Tax code does not match the unit code"),
    "unknown_si_number": ("Mã số BHXH không có trong cơ sở dữ liệu", "SI number not in the registry"),
    "identity_mismatch": (
        "Thông tin người lao động khác với cơ sở dữ liệu",
        "Worker's details differ from the registry",
    ),
    "not_in_unit": ("Người lao động không tham gia BHXH tại đơn vị", "Worker not insured in the applying unit"),
    "not_participating": ("Người lao động không tham gia bảo hiểm", "Worker not insured"),
    "duplicate_claim": ("Tháng đã được đề nghị trong hồ sơ khác", "Month already claimed in another dossier"),
    "period_out_of_range": ("Thời gian đề nghị không đúng quy định", "Claimed period outside the rules"),
    "scan_mismatch": ("Danh sách đã ký khác dữ liệu khai", "Signed list differs from the typed data"),
    "unreadable_attachment": ("Không đọc được tệp đính kèm", "Attachment cannot be read"),
    "missing_attachment": ("Thiếu thành phần hồ sơ", "Required component missing"),
    "signature_missing": ("Thiếu chữ ký số", "Digital signature missing"),
    "signature_invalid": ("Chữ ký số không hợp lệ", "Digital signature not valid"),
    "signature_not_applicant": ("Chữ ký số không phải của người nộp hồ sơ", "Signature not the applicant's"),
    "entitled_to_benefit": ("Đủ điều kiện hưởng trợ cấp thất nghiệp", "Entitled to unemployment benefit"),
    "unit_condition_not_met": ("Đơn vị chưa đạt điều kiện của thủ tục", "Unit does not meet the procedure's condition"),
    "industry_missing": ("Hồ sơ chưa ghi ngành, nghề của đơn vị", "The employer's industry is not given"),
    "industry_not_eligible": ("Ngành, nghề của đơn vị không thuộc diện được vay", "Industry not eligible for the loan"),
}
"""Every finding code's name in both languages: what a list of codes shows, and the English text of
a finding recorded before findings carried their own."""

MESSAGES: dict[str, Message] = {
    # -- the claimed period (chalicelib.checks.workers) --------------------------------------------
    "period.other_basis": Message(
        "period_out_of_range",
        "Thời gian {what} của người lao động {name} (dòng {row}) từ {start} đến {end} thuộc {basis}, "
        "khác văn bản áp dụng cho hồ sơ ({own}).",
        "The {what} period of worker {name} (row {row}), {start} to {end}, falls under {basis}, not the "
        "basis the dossier is judged by ({own}).",
    ),
    "period.outside_every_basis": Message(
        "period_out_of_range",
        "Thời gian {what} của người lao động {name} (dòng {row}) từ {start} đến {end} nằm ngoài thời gian "
        "được hỗ trợ của mọi văn bản ({windows}).",
        "The {what} period of worker {name} (row {row}), {start} to {end}, is outside every basis's "
        "window ({windows}).",
    ),
    "period.min_months": Message(
        "period_out_of_range",
        "Thời gian {what} của người lao động {name} (dòng {row}) phải từ {months} tháng liên tục trở lên ({basis}).",
        "The {what} period of worker {name} (row {row}) must last {months} consecutive months or more ({basis}).",
    ),
    "period.min_consecutive_days": Message(
        "period_out_of_range",
        "Thời gian {what} của người lao động {name} (dòng {row}) là {days} ngày, phải từ {need} ngày liên tục "
        "trở lên ({basis}).",
        "The {what} period of worker {name} (row {row}) is {days} days; it must be {need} consecutive days or "
        "more ({basis}).",
    ),
    "period.min_working_days_in_month": Message(
        "period_out_of_range",
        "Người lao động {name} (dòng {row}) {what} {most} ngày làm việc trong tháng, phải từ {need} ngày làm "
        "việc trở lên trong một tháng ({basis}).",
        "Worker {name} (row {row}): {most} working days of {what} in a month; {need} working days or more "
        "in one month are required ({basis}).",
    ),
    # -- unemployment insurance (the terminated worker) --------------------------------------------
    "unemployment.no_records": Message(
        "not_participating",
        "Cơ sở dữ liệu của cơ quan bảo hiểm xã hội chưa có quá trình tham gia bảo hiểm thất nghiệp của "
        "người lao động {name} (dòng {row}); chưa xác nhận được.",
        "The social insurance registry has no unemployment-insurance record of worker {name} (row {row}); "
        "it cannot be confirmed yet.",
    ),
    "unemployment.benefit_decided": Message(
        "entitled_to_benefit",
        "Người lao động {name} (dòng {row}) đã có quyết định hưởng trợ cấp thất nghiệp từ tháng {month}, "
        "nên không thuộc đối tượng hỗ trợ người lao động chấm dứt hợp đồng lao động không đủ điều kiện "
        "hưởng trợ cấp thất nghiệp.",
        "Worker {name} (row {row}) has been granted unemployment benefit from {month}, so is not covered by "
        "the support for terminated workers without unemployment benefit.",
    ),
    "unemployment.not_paid": Message(
        "not_participating",
        "Người lao động {name} (dòng {row}) không tham gia bảo hiểm thất nghiệp trong {within} tháng trước "
        "khi chấm dứt hợp đồng lao động ({ended}).",
        "Worker {name} (row {row}) paid no unemployment insurance in the {within} months before the labour "
        "contract ended ({ended}).",
    ),
    "unemployment.entitled": Message(
        "entitled_to_benefit",
        "Người lao động {name} (dòng {row}) đã đóng bảo hiểm thất nghiệp {paid} tháng trong {within} tháng "
        "trước khi chấm dứt hợp đồng lao động ({ended}), đủ điều kiện hưởng trợ cấp thất nghiệp: đề nghị "
        "hưởng trợ cấp thất nghiệp tại Trung tâm dịch vụ việc làm, không thuộc đối tượng của thủ tục này.",
        "Worker {name} (row {row}) paid unemployment insurance for {paid} months in the {within} months "
        "before the labour contract ended ({ended}) and is entitled to unemployment benefit: apply for it at "
        "the job centre; this procedure does not cover them.",
    ),
    # -- the worker against the registry -----------------------------------------------------------
    "worker.unknown_si_number": Message(
        "unknown_si_number",
        "Mã số BHXH {si_number} của người lao động {name} (dòng {row}) không có trong cơ sở dữ liệu của cơ "
        "quan bảo hiểm xã hội.",
        "SI number {si_number} of worker {name} (row {row}) is not in the social insurance registry.",
    ),
    "worker.name_differs": Message(
        "identity_mismatch",
        "Họ tên người lao động có mã số BHXH {si_number} (dòng {row}) là «{name}», khác với cơ sở dữ liệu.",
        "The name of the worker with SI number {si_number} (row {row}), “{name}”, differs from the registry.",
    ),
    "worker.birth_differs": Message(
        "identity_mismatch",
        "Ngày sinh của người lao động {name} (dòng {row}) là {born}, khác với cơ sở dữ liệu.",
        "The date of birth of worker {name} (row {row}), {born}, differs from the registry.",
    ),
    "worker.id_differs": Message(
        "identity_mismatch",
        "Số CCCD/CMND của người lao động {name} (dòng {row}) khác với cơ sở dữ liệu.",
        "The ID number of worker {name} (row {row}) differs from the registry.",
    ),
    "worker.not_participating": Message(
        "not_participating",
        "Người lao động {name} (dòng {row}) không tham gia bảo hiểm xã hội bắt buộc tháng {month}, {when}.",
        "Worker {name} (row {row}) was not in compulsory social insurance in {month}, {when}.",
    ),
    "worker.not_in_unit": Message(
        "not_in_unit",
        "Người lao động {name} (dòng {row}) không tham gia bảo hiểm xã hội tại đơn vị {unit} tháng {month}.",
        "Worker {name} (row {row}) was not insured in unit {unit} in {month}.",
    ),
    "worker.duplicate_claim": Message(
        "duplicate_claim",
        "Người lao động {name} (dòng {row}) đã được đề nghị hỗ trợ tháng {month} trong hồ sơ {holder}.",
        "Support for worker {name} (row {row}) for {month} was already requested in dossier {holder}.",
    ),
    # -- the unit ----------------------------------------------------------------------------------
    "unit.share": Message(
        "unit_condition_not_met",
        "Đơn vị có {listed}/{insured} người lao động tham gia bảo hiểm xã hội trong danh sách ({percent}%), "
        "chưa đạt điều kiện từ {need} trở lên để {title} ({basis}).",
        "The unit lists {listed} of its {insured} insured workers ({percent}%), short of the {need} required "
        "for the {title} ({basis}).",
    ),
    "unit.no_code": Message(
        "unknown_unit", "Hồ sơ chưa ghi mã đơn vị tham gia BHXH.", "The dossier gives no social insurance unit code."
    ),
    "unit.unknown": Message(
        "unknown_unit",
        "Mã đơn vị {unit} không có trong cơ sở dữ liệu của cơ quan bảo hiểm xã hội.",
        "Unit code {unit} is not in the social insurance registry.",
    ),
    "unit.tax_mismatch": Message(
        "unit_tax_mismatch",
        "Mã số thuế {tax_code} không khớp với mã đơn vị {unit} ({unit_name}).",
        "Tax code {tax_code} does not match unit code {unit} ({unit_name}).",
    ),
    "unit.industry_missing": Message(
        "industry_missing",
        "Hồ sơ chưa ghi ngành, nghề của đơn vị; {title} chỉ dành cho đơn vị thuộc các ngành: {allowed} ({basis}).",
        "The dossier does not give the employer's industry; the {title} is only for employers in: {allowed} ({basis}).",
    ),
    "unit.industry_not_eligible": Message(
        "industry_not_eligible",
        "Ngành, nghề của đơn vị «{industry}» không thuộc các ngành được {title}: {allowed} ({basis}).",
        "The employer's industry “{industry}” is not one of those eligible for the {title}: {allowed} ({basis}).",
    ),
    # -- the attachments ---------------------------------------------------------------------------
    "attachment.missing": Message(
        "missing_attachment", "Hồ sơ thiếu thành phần «{component}».", "The dossier lacks the component “{component}”."
    ),
    "attachment.unreadable": Message(
        "unreadable_attachment", "Không đọc được {where}: {reason}", "Could not read {where}: {reason}"
    ),
    "attachment.no_table": Message(
        "unreadable_attachment",
        "Không tìm thấy bảng danh sách người lao động trong {where}.",
        "No table of workers was found in {where}.",
    ),
    "signature.missing": Message(
        "signature_missing",
        "{Where} chưa có chữ ký số của người nộp hồ sơ.",
        "{Where} does not carry the applicant's digital signature.",
    ),
    "signature.invalid": Message(
        "signature_invalid",
        "Chữ ký số trên {where} không hợp lệ: {reason}",
        "The digital signature on {where} is not valid: {reason}",
    ),
    "signature.other_signer": Message(
        "signature_not_applicant",
        "Chữ ký số trên {where} là của {theirs}, không phải của {ours}.",
        "The signature on {where} belongs to {theirs}, not to {ours}.",
    ),
    "signature.signer_unnamed": Message(
        "signature_not_applicant",
        "Chứng thư số đã ký {where} («{name}») không ghi {what}, nên không xác định được là của {ours}.",
        "The certificate that signed {where} (“{name}”) names no {what}: it cannot be known to be {ours}.",
    ),
    # -- the signed list against the typed one (chalicelib.checks.scan) ---------------------------
    "scan.not_in_scan": Message(
        "scan_mismatch",
        "Người lao động {name} (dòng {row}) có trong dữ liệu khai nhưng không có trong danh sách đã ký ({attachment}).",
        "Worker {name} (row {row}) is in the typed data but not in the signed list ({attachment}).",
    ),
    "scan.only_in_scan": Message(
        "scan_mismatch",
        "Danh sách đã ký ({attachment}) có người lao động mã số BHXH {si_number} (dòng {row}) không có trong "
        "dữ liệu khai trên Cổng.",
        "The signed list ({attachment}) has a worker with SI number {si_number} (row {row}) who is not in the "
        "data typed on the portal.",
    ),
    "scan.registry_has_typed": Message(
        "scan_mismatch",
        "Dòng {row}: {what} trong danh sách đã ký ({attachment}) là «{read}», khác với dữ liệu khai trên Cổng "
        "«{typed}»; cơ sở dữ liệu BHXH ghi «{known}» như dữ liệu khai. Đề nghị sửa danh sách đã ký cho đúng "
        "và ký số lại.",
        "Row {row}: the {what} in the signed list ({attachment}) is “{read}”, not the typed “{typed}”; the "
        "registry has “{known}”, as typed. Correct the signed list and sign it again.",
    ),
    "scan.registry_has_read": Message(
        "scan_mismatch",
        "Dòng {row}: {what} trong danh sách đã ký ({attachment}) là «{read}», khác với dữ liệu khai trên Cổng "
        "«{typed}»; cơ sở dữ liệu BHXH ghi «{known}» như danh sách đã ký. Đề nghị sửa dữ liệu khai trên Cổng.",
        "Row {row}: the {what} in the signed list ({attachment}) is “{read}”, not the typed “{typed}”; the "
        "registry has “{known}”, as the signed list. Correct the data typed on the portal.",
    ),
    "scan.differs": Message(
        "scan_mismatch",
        "Dòng {row}: {what} trong danh sách đã ký ({attachment}) là «{read}», khác với dữ liệu khai trên Cổng "
        "«{typed}». Đề nghị kiểm tra và thống nhất dữ liệu khai với danh sách đã ký.",
        "Row {row}: the {what} in the signed list ({attachment}) is “{read}”, not the typed “{typed}”. "
        "Check the two and make them agree.",
    ),
}
"""Every wording a finding can have, declared once: the checks name one and give its values."""


def _value(value: Param, language: int) -> str:
    return value[language] if isinstance(value, tuple) else str(value)


def _fill(template: str, params: dict[str, Param], language: int) -> str:
    values = {k: _value(v, language) for k, v in params.items()}
    values |= {k[:1].upper() + k[1:]: v[:1].upper() + v[1:] for k, v in values.items()}  # {Where}: capitalised
    return template.format_map(values)


def texts(key: str, **params: Param) -> Text:
    """The (Vietnamese, English) of the wording `key` with `params` filled in."""
    message = MESSAGES[key]
    return _fill(message.vi, params, 0), _fill(message.en, params, 1)


def finding(
    key: str, *, field: str | None = None, row: int | None = None, suggestion: str | None = None, **params: Param
) -> Finding:
    """The finding of the wording `key` (its code is the wording's), in both languages; `row` is also
    given to the wording as `{row}`."""
    vi, en = texts(key, row=row, **params)
    return Finding(code=MESSAGES[key].code, field=field, row=row, message=vi, message_en=en, suggestion=suggestion)


class Finding(BaseModel):
    """One problem, with where it is (`field`, `row` counted from 1) and how to fix it."""

    model_config = ConfigDict(frozen=True)

    code: FindingCode
    field: str | None = None
    row: int | None = None
    message: str
    """Vietnamese, ready to send to the applicant (the slips print this one)."""
    message_en: str
    """English: the same finding for a reader without Vietnamese (`MESSAGES`)."""
    suggestion: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _recorded_before_english(cls, data: Any) -> Any:
        """A finding stored before findings carried English gets its code's English name."""
        if isinstance(data, dict) and "message_en" not in data and data.get("code") in CODES:
            return {**data, "message_en": CODES[data["code"]][1]}
        return data
