"""Realistic example slips of every kind: for the tests, the PNGs in ``docs/slips`` and the benchmark.

The names are invented; the long ones are there to test wrapping and diacritics.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

from chalicelib.domain.workdays import VIETNAM_TZ, WorkingCalendar

from .slips import (
    Agency,
    ApologySlip,
    Applicant,
    Attachment,
    ConfirmationSlip,
    ControlSlip,
    CorrectionRequestSlip,
    DecisionSlip,
    Employer,
    Finding,
    Handover,
    ReceiptSlip,
    RefusalSlip,
    Slip,
    Worker,
)

__all__ = ["AGENCY", "APPLICANT", "example_slip", "example_slips"]

AGENCY = Agency(
    name="Bảo hiểm xã hội thành phố Hải Phòng",
    province="Hải Phòng",
    office_code="031",
    address="Số 1 Đường Hồ Sen, phường Dư Hàng Kênh, quận Lê Chân, thành phố Hải Phòng",
    phone="0225 3846 325",
    email="motcua@haiphong.vss.gov.vn",
)
APPLICANT = Applicant(
    name="Công ty Trách nhiệm hữu hạn Một thành viên Thương mại và Dịch vụ Vận tải Biển Đông Hải Phòng",
    address="Lô CN-4, Khu công nghiệp Đình Vũ, phường Đông Hải 2, quận Hải An, thành phố Hải Phòng",
    phone="0912 345 678",
    email="nhansu@biendonghp.com.vn",
)
PROCEDURE = (
    "Hỗ trợ người lao động tạm hoãn thực hiện hợp đồng lao động, nghỉ việc không hưởng lương "
    "do ảnh hưởng của đại dịch COVID-19"
)
PORTAL_CODE = "G22.99-200512-000123"
RECEIVED = datetime(2020, 5, 12, 9, 42, tzinfo=VIETNAM_TZ)
_CAL = WorkingCalendar()

_SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Tôn Nữ",
    "Công Tằng Tôn Nữ",
    "Âu Dương",
]
_MIDDLE = [
    "Văn",
    "Thị",
    "Đức",
    "Ngọc",
    "Quốc",
    "Thị Thanh",
    "Hữu",
    "Minh",
    "Thị Kim",
    "Xuân",
    "Bảo",
    "Thị Diễm",
    "Khắc",
    "Trọng",
]
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hải",
    "Hằng",
    "Hương",
    "Khánh",
    "Linh",
    "Lộc",
    "Mỹ",
    "Nguyệt",
    "Phượng",
    "Quỳnh",
    "Sơn",
    "Thắng",
    "Thủy",
    "Trường",
    "Tuấn",
    "Vỹ",
    "Yến",
    "Ngọc Hoàng Khuê Tú",
]


def _workers(n: int, seed: int = 5) -> list[Worker]:
    rng = random.Random(seed)
    workers = [
        Worker(
            "Công Tằng Tôn Nữ Thị Ngọc Hoàng Khuê Tú Phương Nguyệt Thu Hằng",
            "3120457896",
            date(1990, 2, 28),
            date(2020, 4, 1),
            date(2020, 6, 30),
        )
    ]
    while len(workers) < n:
        name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
        workers.append(
            Worker(
                name,
                f"{rng.randrange(10**9, 10**10)}",
                date(rng.randint(1962, 2002), rng.randint(1, 12), rng.randint(1, 28)),
                date(2020, 4, 1),
                date(2020, rng.choice([4, 5, 6]), 28),
            )
        )
    return workers


def example_slip(kind: str, *, workers: int = 300, number: str | None = None) -> Slip:
    """One example slip of ``kind``; a confirmation lists ``workers`` workers."""
    common: dict[str, Any] = dict(
        portal_code=PORTAL_CODE,
        agency=AGENCY,
        procedure_title=PROCEDURE,
        issued_at=RECEIVED,
        signer_name="Đỗ Thị Phương Thảo",
    )
    if kind == "receipt":
        return ReceiptSlip(
            number=number or "000123/2020/TNHS-031",
            applicant=APPLICANT,
            attachments=(
                Attachment("Văn bản đề nghị hỗ trợ của người sử dụng lao động (Mẫu số 01, ký số)", 1),
                Attachment(
                    "Danh sách người lao động tạm hoãn thực hiện hợp đồng lao động, nghỉ việc "
                    "không hưởng lương có xác nhận của cơ quan bảo hiểm xã hội",
                    1,
                ),
                Attachment("Văn bản thỏa thuận tạm hoãn hợp đồng lao động", 12),
                Attachment("Báo cáo tài chính năm 2019 và quý I năm 2020", 2),
            ),
            time_limit_days=5,
            received_at=RECEIVED,
            due_at=datetime.combine(
                _CAL.add_working_days(RECEIVED, 5), datetime.min.time().replace(hour=16), VIETNAM_TZ
            ),
            result_place="Trực tuyến qua Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)",
            register_book="05/2020",
            register_sequence=123,
            **common,
        )
    if kind == "correction_request":
        return CorrectionRequestSlip(
            number=number or "000045/2020/YCBS-031",
            applicant=APPLICANT,
            findings=(
                Finding(
                    "unknown_si_number",
                    "Mã số BHXH 3120457869 của người lao động Nguyễn Thị Thanh Hương "
                    "không có trong cơ sở dữ liệu của cơ quan bảo hiểm xã hội.",
                    "si_number",
                    3,
                    "3120457896",
                ),
                Finding(
                    "identity_mismatch",
                    "Ngày sinh của người lao động Trần Quốc Đạt khác với cơ sở dữ liệu (12/10/1985).",
                    "date_of_birth",
                    17,
                    "12/10/1985",
                ),
                Finding(
                    "period_out_of_range",
                    "Thời gian đề nghị hỗ trợ của người lao động Âu Dương Bảo Ngọc "
                    "vượt quá 3 tháng theo Quyết định 15/2020/QĐ-TTg.",
                    "period_to",
                    42,
                    "30/06/2020",
                ),
                Finding(
                    "missing_attachment",
                    "Thiếu văn bản thỏa thuận tạm hoãn hợp đồng lao động của người lao động ở dòng 58.",
                    "attachments",
                    58,
                    None,
                ),
            ),
            contact_name="bà Đỗ Thị Phương Thảo, Bộ phận tiếp nhận và trả kết quả",
            contact_phone="0225 3846 325",
            **common,
        )
    if kind == "refusal":
        return RefusalSlip(
            number=number or "000007/2020/TCHS-031",
            applicant=APPLICANT,
            received_at=RECEIVED,
            reasons=(
                "Đơn vị không thuộc đối tượng được hỗ trợ theo Quyết định 15/2020/QĐ-TTg: đã giải thể "
                "từ ngày 15/01/2020.",
                "Mã đơn vị TA1234A không khớp với mã số thuế 0101234567 trong cơ sở dữ liệu.",
            ),
            **common,
        )
    if kind == "apology":
        return ApologySlip(
            number=number or "000003/2020/XL-031",
            applicant=APPLICANT,
            received_at=RECEIVED,
            original_due=date(2020, 5, 19),
            new_due=date(2020, 5, 22),
            reason="Cơ sở dữ liệu đăng ký tham gia bảo hiểm xã hội của đơn vị đang được đối chiếu lại với "
            "cơ quan thuế; cần thêm 03 ngày làm việc.",
            signer_title="GIÁM ĐỐC",
            **common,
        )
    if kind == "control_slip":
        return ControlSlip(
            number=number or "000123/2020/KS-031",
            receipt_number="000123/2020/TNHS-031",
            handling_unit="Phòng Quản lý thu, Bảo hiểm xã hội thành phố Hải Phòng",
            cooperating_units="Ủy ban nhân dân thành phố Hải Phòng; Sở Lao động - Thương binh và Xã hội",
            due_at=datetime(2020, 5, 19, 16, 0, tzinfo=VIETNAM_TZ),
            handovers=(
                Handover(
                    datetime(2020, 5, 12, 9, 45, tzinfo=VIETNAM_TZ),
                    "Bộ phận tiếp nhận và trả kết quả",
                    "Phòng Quản lý thu",
                    date(2020, 5, 13),
                    "ahead",
                    giver_person="bà Đỗ Thị Phương Thảo",
                    receiver_person="ông Nguyễn Văn Hùng",
                ),
                Handover(
                    "2020-05-13T14:10:00+07:00",
                    "Phòng Quản lý thu",
                    "Lãnh đạo Bảo hiểm xã hội thành phố",
                    "2020-05-14",
                    "on",
                ),
                Handover(
                    "2020-05-15T08:30:00+07:00",
                    "Lãnh đạo Bảo hiểm xã hội thành phố",
                    "Ủy ban nhân dân thành phố Hải Phòng (qua Cổng Dịch vụ công quốc gia)",
                    "2020-05-14",
                    "after",
                    "Chậm 01 ngày do đối chiếu dữ liệu",
                ),
                Handover(
                    "2020-05-19T10:00:00+07:00",
                    "Ủy ban nhân dân thành phố Hải Phòng",
                    "Bộ phận tiếp nhận và trả kết quả",
                    "2020-05-19",
                    None,
                ),
            ),
            **common,
        )
    if kind == "confirmation":
        return ConfirmationSlip(
            number=number or "000098/2020/XN-031",
            employer=Employer(APPLICANT.name, "TA1234A", "0101234567", APPLICANT.address),
            workers=tuple(_workers(workers)),
            **common,
        )
    if kind == "decision":
        return DecisionSlip(
            number=number or "000012/2020/QD-031",
            employer=Employer(APPLICANT.name, "TA1234A", "0101234567", APPLICANT.address),
            approved=True,
            workers=workers,
            period_from=date(2020, 4, 1),
            period_to=date(2020, 6, 30),
            legal_basis="Quyết định số 15/2020/QĐ-TTg ngày 24/4/2020 của Thủ tướng Chính phủ",
            **{**common, "procedure_title": "Tạm dừng đóng vào quỹ hưu trí và tử tuất"},
        )
    raise ValueError(f"unknown kind {kind!r}")


def example_slips(workers: int = 300) -> dict[str, Slip]:
    """One example of each kind, by kind."""
    kinds = ("receipt", "correction_request", "refusal", "apology", "control_slip", "confirmation", "decision")
    return {k: example_slip(k, workers=workers) for k in kinds}
