"""Vietnamese names compared the way a clerk compares them: without accents, case or extra spaces.

The registry and a dossier often spell one person differently: typed with or without diacritics,
in NFC or NFD (Unicode allows both for "ễ"), with double spaces, in capitals. `normalise_name` folds
all of that away; `identity_key` joins it with the date of birth into the key of the registry's
`identity-index`, used to find a worker whose SI number was mistyped.

Pure functions: no AWS, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

__all__ = ["identity_key", "iso_date", "normalise_name"]

_YMD = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

# Letters that carry no combining mark in Unicode and so survive NFD + dropping the marks.
_PLAIN = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ɗ": "d", "Ɗ": "d"})


def normalise_name(s: str) -> str:
    """Fold a person's name to ASCII lower case with single spaces.

    >>> normalise_name("Nguyễn Văn An")
    'nguyen van an'
    >>> normalise_name("  ĐẶNG   thị   Hồng\\tNhung ")
    'dang thi hong nhung'
    >>> normalise_name(unicodedata.normalize("NFD", "Trần Đức Thắng")) == normalise_name("Tran Duc Thang")
    True
    >>> normalise_name("Lý Thị Ánh Tuyết") == normalise_name("LY THI ANH TUYET")
    True
    >>> normalise_name("")
    ''
    """
    text = unicodedata.normalize("NFC", s).translate(_PLAIN)
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def iso_date(value: str | date) -> str:
    """A date of birth as ISO `YYYY-MM-DD`, from a `date`, an ISO string or `dd/mm/yyyy`.

    >>> iso_date("12/10/1985"), iso_date("1985-10-12"), iso_date(date(1985, 10, 12)), iso_date("2/3/1990")
    ('1985-10-12', '1985-10-12', '1985-10-12', '1990-03-02')
    >>> iso_date("31/02/1990")
    Traceback (most recent call last):
    ValueError: day is out of range for month
    """
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip()
    if m := _DMY.fullmatch(text):
        day, month, year = m.groups()
    elif m := _YMD.fullmatch(text):
        year, month, day = m.groups()
    else:
        raise ValueError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): {text!r}")
    return date(int(year), int(month), int(day)).isoformat()


def identity_key(full_name: str, date_of_birth: str | date) -> str:
    """The registry's identity key: normalised name, '#', ISO date of birth.

    >>> identity_key("Phạm Thị Thu Hà", "1990-03-02")
    'pham thi thu ha#1990-03-02'
    >>> identity_key("PHAM THI  THU HA", "02/03/1990") == identity_key("Phạm Thị Thu Hà", date(1990, 3, 2))
    True
    """
    return f"{normalise_name(full_name)}#{iso_date(date_of_birth)}"
