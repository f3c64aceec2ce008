"""Each slip, rendered with real data, says what its form says, in correct Vietnamese, on A4."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import replace

import pytest

from chalicelib.documents import TITLES, RenderError, render_slip, verify_pdf
from chalicelib.documents.examples import APPLICANT, example_slip, example_slips
from chalicelib.documents.qr import lookup_url, qr_matrix
from tests.helpers import qr_of

BASE = "https://motcua.example.vn"


def text_of(pdf: bytes, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    out = subprocess.run(args, input=pdf, capture_output=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.decode("utf-8"))


def flat(text: str) -> str:
    """Text with every run of whitespace as one space (wrapped lines joined)."""
    return re.sub(r"\s+", " ", text)


def pages(pdf: bytes) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), re.search(r"Page size:\s+(.*)", info).group(1)


@pytest.fixture(scope="module")
def rendered():
    return {kind: render_slip(slip, public_base_url=BASE) for kind, slip in example_slips(300).items()}


@pytest.mark.parametrize("kind", list(TITLES))
def test_every_slip_has_its_title_number_code_and_lookup_on_a4(rendered, kind):
    pdf = rendered[kind]
    text = text_of(pdf)
    assert TITLES[kind] in text, f"{kind}: title missing or diacritics wrong"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    slip = example_slip(kind, workers=300)
    assert f"Số: {slip.number}" in text
    assert "G22.99-200512-000123" in text
    assert f"Tra cứu hồ sơ: {BASE}/v1/lookup/G22.99-200512-000123" in text
    assert "Hải Phòng, ngày 12 tháng 05 năm 2020" in text
    n, size = pages(pdf)
    assert "(A4)" in size
    assert f"Trang {n}/{n}" in text


def test_receipt_has_the_numbered_fields_of_form_01(rendered):
    text = flat(text_of(rendered["receipt"]))
    for expected in [
        "Tiếp nhận hồ sơ của: " + APPLICANT.name,
        "Địa chỉ: " + APPLICANT.address,
        "Số điện thoại: 0912 345 678",
        "Email: nhansu@biendonghp.com.vn",
        "Nội dung yêu cầu giải quyết: Hỗ trợ người lao động tạm hoãn",
        "1. Thành phần hồ sơ nộp gồm:",
        "(3) Văn bản thỏa thuận tạm hoãn hợp đồng lao động: 12 bản điện tử",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 5 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 42 phút, ngày 12 tháng 05 năm 2020",
        # 12/05/2020 (Tuesday) + 5 working days = Tuesday 19/05/2020
        "5. Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 19 tháng 05 năm 2020",
        "6. Đăng ký nhận kết quả tại: Trực tuyến qua Cổng Dịch vụ công quốc gia",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 05/2020 Số thứ tự: 123",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ]:
        assert expected in text, expected


def test_correction_request_lists_every_finding_with_its_fix(rendered):
    text = flat(text_of(rendered["correction_request"]))
    assert "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:" in text
    assert "1. Mã số BHXH 3120457869 của người lao động Nguyễn Thị Thanh Hương" in text
    assert "Đề nghị sửa thành: 3120457896" in text
    assert (
        "2. Ngày sinh của người lao động Trần Quốc Đạt" in text
        and "(dòng 17, mục Ngày, tháng, năm sinh)" in text
        and "date_of_birth" not in text
    )
    assert "3. Thời gian đề nghị hỗ trợ" in text
    assert "4. Thiếu văn bản thỏa thuận" in text
    assert "không phải nộp thêm bản giấy" in text
    assert "số điện thoại 0225 3846 325 để được hướng dẫn" in text


def test_refusal_and_apology_carry_their_reasons_and_dates(rendered):
    refusal = flat(text_of(rendered["refusal"]))
    assert "từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:" in refusal
    assert "1. Đơn vị không thuộc đối tượng được hỗ trợ" in refusal
    assert "2. Mã đơn vị TA1234A không khớp" in refusal
    apology = flat(text_of(rendered["apology"]))
    assert "Kính gửi: " + APPLICANT.name in apology
    assert "Ngày 12 tháng 05 năm 2020, Bảo hiểm xã hội thành phố Hải Phòng tiếp nhận" in apology
    assert "Thời hẹn trả kết quả giải quyết hồ sơ: ngày 19 tháng 05 năm 2020" in apology
    assert "xin lỗi và mong nhận được sự thông cảm" in apology
    assert "hẹn lại thời gian trả kết quả giải quyết hồ sơ vào ngày 22 tháng 05 năm 2020" in apology


def test_control_slip_shows_each_handover_and_its_outcome(rendered):
    text = flat(text_of(rendered["control_slip"], layout=False))  # table cells in reading order
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả số: 000123/2020/TNHS-031" in text
    for outcome in ("Trước hạn", "Đúng hạn", "Quá hạn", "Đang giải quyết"):
        assert outcome in text
    assert "09 giờ 45 phút, ngày 12 tháng 05 năm 2020" in text and "08 giờ 30 phút, ngày 15 tháng 05 năm 2020" in text
    assert "1. Giao: Bộ phận tiếp nhận và trả kết quả 2. Nhận: Phòng Quản lý thu" in text
    assert "Người giao: bà Đỗ Thị Phương Thảo" in text


def test_confirmation_of_300_workers_spans_pages_with_every_worker(rendered):
    pdf = rendered["confirmation"]
    n, _ = pages(pdf)
    assert n >= 4
    text = text_of(pdf)
    slip = example_slip("confirmation", workers=300)
    for worker in slip.workers:
        assert worker.si_number in text
    # the longest name wraps inside its cell and stays whole
    assert "Công Tằng Tôn Nữ Thị Ngọc Hoàng Khuê Tú Phương Nguyệt Thu Hằng" in flat(text_of(pdf, layout=False))
    # the header row repeats on every page
    assert text.count("Mã số BHXH") == n
    assert "300" in text and "đang tham gia bảo hiểm xã hội bắt buộc" in flat(text)


def test_decomposed_vietnamese_input_prints_precomposed_letters():
    slip = example_slip("refusal")
    nfd = unicodedata.normalize("NFD", "Lê Thị Hồng Nhung")
    pdf = render_slip(replace(slip, applicant=replace(slip.applicant, name=nfd)), public_base_url=BASE)
    assert "Lê Thị Hồng Nhung" in text_of(pdf)


def test_unsigned_pdf_carries_the_slip_identity_in_its_metadata(rendered):
    v = verify_pdf(rendered["apology"], b"", [])
    assert (v.kind, v.number, v.portal_code, v.office) == (
        "apology",
        "000003/2020/XL-031",
        "G22.99-200512-000123",
        "031",
    )
    assert not v.valid and v.problems == ("not_signed",)


def test_qr_points_at_the_public_lookup():
    url = lookup_url(BASE + "/", "G22.99/200512 000123")
    assert url == f"{BASE}/v1/lookup/G22.99%2F200512%20000123"
    matrix = qr_matrix(lookup_url(BASE, "G22.99-200512-000123"))
    assert len(matrix) >= 25 and any(any(row) for row in matrix)


@pytest.mark.parametrize("kind", list(TITLES))
def test_the_qr_of_every_kind_of_slip_reads_back_from_the_printed_page(tmp_path, kind):
    """The QR is drawn with one fixed mask (`QR_MASK`, not the best of eight): a phone still reads it, for
    every kind of slip and its own check code (each a different address, some a larger QR version)."""
    slip = example_slip(kind, workers=3)
    check = "K7QZ2M4A"
    pdf = render_slip(slip, public_base_url=BASE, check=check)
    assert qr_of(pdf, tmp_path) == lookup_url(BASE, slip.portal_code, slip.number, check)


def test_not_a_slip_is_refused():
    with pytest.raises(RenderError):
        render_slip({"kind": "receipt"})
    with pytest.raises(ValueError):
        replace(example_slip("correction_request"), findings=[])
