"""The shapes of Vietnamese identifiers: tax code (MST), SI number, CCCD, CMND, unit code.

Only what the number itself can tell: its length, its check digit (tax code), the province and
birth century/sex/year encoded in a CCCD. Whether the number exists is the registry's business.

Pure functions: no AWS, no I/O.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

__all__ = [
    "CCCD_PROVINCES",
    "TAX_WEIGHTS",
    "cccd_birth",
    "cccd_matches_birth",
    "is_valid_cccd",
    "is_valid_cmnd",
    "is_valid_id_number",
    "is_valid_province_code",
    "is_valid_si_number",
    "is_valid_tax_code",
    "is_valid_unit_code",
    "readable_code",
    "tax_code_check_digit",
]

TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

READABLE = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I: a person may type the code from paper (slip check codes, feedback codes)."""


def readable_code(length: int = 8) -> str:
    """`length` characters of `READABLE` drawn at random (5 bits each): a code nobody can guess."""
    return "".join(secrets.choice(READABLE) for _ in range(length))


CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
"""Place-of-birth codes of the 63 provinces in the first three digits of a CCCD (Circular 07/2016/TT-BCA)."""

_TAX = re.compile(r"([0-9]{10})(?:-([0-9]{3}))?")
_UNIT = re.compile(r"[A-Z]{2}[A-Z0-9]{3,8}")


def tax_code_check_digit(first9: str) -> int | None:
    """The 10th digit of a tax code: 10 - (Σ dᵢ·wᵢ mod 11) over the first 9 digits.

    None when that comes out as 10: no tax code is issued on such a prefix.

    >>> tax_code_check_digit("010010751")   # Vietnam Airlines, MST 0100107518
    8
    >>> tax_code_check_digit("020000000")   # 2·29 = 58, 58 mod 11 = 3, 10 - 3 = 7
    7
    >>> tax_code_check_digit("000000000") is None   # Σ = 0 gives 10: not allowed
    True
    >>> tax_code_check_digit("12345678")
    Traceback (most recent call last):
    ValueError: a tax code check digit needs exactly 9 digits
    """
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise ValueError("a tax code check digit needs exactly 9 digits")
    check = 10 - sum(int(d) * w for d, w in zip(first9, TAX_WEIGHTS, strict=False)) % 11
    return None if check == 10 else check


def is_valid_tax_code(code: str) -> bool:
    """10 digits whose last is the check digit, optionally followed by '-' and a 3-digit branch.

    >>> [is_valid_tax_code(c) for c in ("0100107518", "0100107518-001", "0100107517", "0100107518-01", "010010751", " 0100107518")]
    [True, True, False, False, False, False]
    """
    m = _TAX.fullmatch(code)
    if not m:
        return False
    check = tax_code_check_digit(m.group(1)[:9])
    return check is not None and check == int(m.group(1)[9])


def is_valid_si_number(si: str) -> bool:
    """A social insurance number (mã số BHXH): exactly 10 ASCII digits.

    >>> [is_valid_si_number(s) for s in ("0123456789", "123456789", "01234567890", "012345678O", "０１２３４５６７８９")]
    [True, False, False, False, False]
    """
    return len(si) == 10 and si.isascii() and si.isdigit()


def is_valid_cmnd(number: str) -> bool:
    """The old identity card (CMND): exactly 9 digits.

    >>> is_valid_cmnd("031234567"), is_valid_cmnd("03123456")
    (True, False)
    """
    return len(number) == 9 and number.isascii() and number.isdigit()


def cccd_birth(cccd: str) -> tuple[int, str] | None:
    """(year of birth, 'male'|'female') encoded in a CCCD, or None when it has not the CCCD shape.

    Digit 4 is century and sex: 0/1 born 1900–1999 male/female, 2/3 born 2000–2099; digits 5–6 the year.

    >>> cccd_birth("031085123456"), cccd_birth("001302654321"), cccd_birth("031485123456")
    ((1985, 'male'), (2002, 'female'), None)
    """
    if not (len(cccd) == 12 and cccd.isascii() and cccd.isdigit()) or cccd[:3] not in CCCD_PROVINCES:
        return None
    marker = int(cccd[3])
    if marker > 3:
        return None
    return (1900 if marker < 2 else 2000) + int(cccd[4:6]), "male" if marker % 2 == 0 else "female"


def is_valid_cccd(number: str) -> bool:
    """A citizen identity card number (CCCD): 12 digits, a province code, century/sex 0–3, year, 6 digits.

    >>> [is_valid_cccd(n) for n in ("031085123456", "001302654321", "003085123456", "031485123456", "31085123456")]
    [True, True, False, False, False]
    """
    return cccd_birth(number) is not None


def is_valid_id_number(number: str) -> bool:
    """A CCCD (12 digits) or a CMND (9 digits).

    >>> is_valid_id_number("031085123456"), is_valid_id_number("031234567"), is_valid_id_number("0312345678")
    (True, True, False)
    """
    return is_valid_cccd(number) or is_valid_cmnd(number)


def cccd_matches_birth(cccd: str, date_of_birth: str | date) -> bool:
    """Whether a CCCD's century and year agree with a date of birth (ISO string or date).

    >>> cccd_matches_birth("031085123456", "1985-10-12"), cccd_matches_birth("031085123456", "1986-10-12")
    (True, False)
    >>> cccd_matches_birth("031285123456", date(1985, 10, 12))   # 2 says born in the 2000s
    False
    """
    birth = cccd_birth(cccd)
    year = date_of_birth.year if isinstance(date_of_birth, date) else int(str(date_of_birth)[:4])
    return birth is not None and birth[0] == year


def is_valid_unit_code(code: str) -> bool:
    """A BHXH unit code (mã đơn vị), e.g. 'TA1234A': two capital letters, then 3 to 8 capitals or digits.

    >>> [is_valid_unit_code(c) for c in ("TA1234A", "YN0001Z", "ta1234a", "T1234", "TA-1234")]
    [True, True, False, False, False]
    """
    return bool(_UNIT.fullmatch(code))


def is_valid_province_code(code: str) -> bool:
    """A 3-digit province code, as in the offices' codes ('031').

    >>> is_valid_province_code("031"), is_valid_province_code("31")
    (True, False)
    """
    return len(code) == 3 and code.isascii() and code.isdigit()
