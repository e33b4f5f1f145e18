"""Identifiers: 统一社会信用代码 (GB 32100-2015) and 居民身份证号码 (GB 11643-1999), with masking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from privacy import masking

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code, characters 9-17 of a USCC
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
}


@dataclass(frozen=True)
class IdProblem:
    code: str
    message: str  # Chinese, for the user
    detail: str  # English, for developers


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_problem(code: str) -> Optional[IdProblem]:
    """None when ``code`` is a well-formed USCC with the right check character."""
    if len(code) != 18:
        return IdProblem("invalid_uscc_length", f"统一社会信用代码应为18位，您输入的是{len(code)}位，请核对。",
                         f"a USCC has 18 characters, got {len(code)}")
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        return IdProblem("invalid_uscc_chars",
                         f"统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z），其中“{bad[0]}”不符合要求。",
                         f"character {bad[0]!r} is not allowed in a USCC")
    if uscc_check_char(code[:17]) != code[17]:
        return IdProblem("invalid_uscc_check_digit",
                         "统一社会信用代码的校验位（第18位）不正确，可能有字符输错了，请对照营业执照核对。",
                         "GB 32100 check character does not match")
    return None


def citizen_problem(number: str) -> Optional[IdProblem]:
    """None when ``number`` is a well-formed 18-digit ID number with the right check digit."""
    if len(number) != 18:
        return IdProblem("invalid_id_length", f"身份证号码应为18位，您输入的是{len(number)}位，请核对。",
                         f"an ID number has 18 characters, got {len(number)}")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        return IdProblem("invalid_id_chars", "身份证号码前17位应为数字，最后一位为数字或大写字母X，请核对。",
                         "ID number must be 17 digits and a digit or X")
    if number[:2] not in PROVINCES:
        return IdProblem("invalid_id_region", "身份证号码的前两位不是有效的省级行政区划代码，请核对。",
                         "unknown province code")
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdProblem("invalid_id_birth_date", "身份证号码中的出生日期（第7至14位）不是有效日期，请核对。",
                         "the birth date in the ID number is not a real date")
    if citizen_check_char(number[:17]) != number[17]:
        return IdProblem("invalid_id_check_digit", "身份证号码的校验位（最后一位）不正确，可能有数字输错了，请核对。",
                         "GB 11643 check digit does not match")
    return None


def citizen_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def kind_of(profile_id: str) -> str:
    """``citizen`` for something shaped like an ID number, else ``enterprise``."""
    if len(profile_id) == 18 and profile_id[:17].isdigit() and profile_id[:2] in PROVINCES and citizen_check_char(
        profile_id[:17]
    ) == profile_id[17]:
        return "citizen"
    return "enterprise"


def normalise(profile_id: str) -> str:
    return profile_id.strip().upper().replace(" ", "")


def mask_citizen_id(number: str) -> str:
    """440306********123X: the region, then the last four (privacy.masking.mask_id_number)."""
    return masking.mask_id_number(number)


def is_citizen_id(text: str) -> bool:
    return len(text) == 18 and citizen_problem(text.upper()) is None
