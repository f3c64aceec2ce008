"""Provincial BHXH offices, by the province code used in CCCD numbers and by the portal (`031`).

The agency printed on a slip is the office of the dossier's province: "Bảo hiểm xã hội thành phố
Hải Phòng" for `031`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROVINCES", "Office", "office"]

PROVINCES: dict[str, str] = {
    "01": "Hà Nội",
    "02": "Hà Giang",
    "04": "Cao Bằng",
    "06": "Bắc Kạn",
    "08": "Tuyên Quang",
    "10": "Lào Cai",
    "11": "Điện Biên",
    "12": "Lai Châu",
    "14": "Sơn La",
    "15": "Yên Bái",
    "17": "Hòa Bình",
    "19": "Thái Nguyên",
    "20": "Lạng Sơn",
    "22": "Quảng Ninh",
    "24": "Bắc Giang",
    "25": "Phú Thọ",
    "26": "Vĩnh Phúc",
    "27": "Bắc Ninh",
    "30": "Hải Dương",
    "31": "Hải Phòng",
    "33": "Hưng Yên",
    "34": "Thái Bình",
    "35": "Hà Nam",
    "36": "Nam Định",
    "37": "Ninh Bình",
    "38": "Thanh Hóa",
    "40": "Nghệ An",
    "42": "Hà Tĩnh",
    "44": "Quảng Bình",
    "45": "Quảng Trị",
    "46": "Thừa Thiên Huế",
    "48": "Đà Nẵng",
    "49": "Quảng Nam",
    "51": "Quảng Ngãi",
    "52": "Bình Định",
    "54": "Phú Yên",
    "56": "Khánh Hòa",
    "58": "Ninh Thuận",
    "60": "Bình Thuận",
    "62": "Kon Tum",
    "64": "Gia Lai",
    "66": "Đắk Lắk",
    "67": "Đắk Nông",
    "68": "Lâm Đồng",
    "70": "Bình Phước",
    "72": "Tây Ninh",
    "74": "Bình Dương",
    "75": "Đồng Nai",
    "77": "Bà Rịa - Vũng Tàu",
    "79": "Hồ Chí Minh",
    "80": "Long An",
    "82": "Tiền Giang",
    "83": "Bến Tre",
    "84": "Trà Vinh",
    "86": "Vĩnh Long",
    "87": "Đồng Tháp",
    "89": "An Giang",
    "91": "Kiên Giang",
    "92": "Cần Thơ",
    "93": "Hậu Giang",
    "94": "Sóc Trăng",
    "95": "Bạc Liêu",
    "96": "Cà Mau",
}
"""The General Statistics Office's province codes (2020 boundaries); CCCDs carry them as `0NN`."""
_CITIES = frozenset({"01", "31", "48", "79", "92"})


@dataclass(frozen=True)
class Office:
    code: str
    province: str
    """"thành phố Hải Phòng", "tỉnh Hưng Yên"."""

    @property
    def name(self) -> str:
        return f"Bảo hiểm xã hội {self.province}"


def office(code: str) -> Office:
    """The office of a province code (`31` or `031`); an unknown code still prints honestly."""
    short = code[-2:] if len(code) == 3 and code.startswith("0") else code
    if short not in PROVINCES:
        return Office(code=code, province=f"tỉnh (mã {code})")
    kind = "thành phố" if short in _CITIES else "tỉnh"
    return Office(code=code, province=f"{kind} {PROVINCES[short]}")
