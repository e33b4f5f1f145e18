"""What the identity journey reads from a message's text, without the NLU model: a one-time code, a
bank card or account number and the bank's name. Pure functions (tested in tests/bot).

Text is read after NFKC normalisation, so full-width digits, spaces and hyphens (typed with a Chinese
input method in full-width mode) count as ASCII ones; other scripts' digits do not count."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from privacy.masking import is_company_code, plausible_id_number

_CODE = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})(?![0-9A-Za-z])")
# 12-25 digits, possibly written in groups separated by spaces or hyphens (6222 0212 3456 7890 123)
_ACCOUNT = re.compile(r"(?<![0-9A-Za-z])([0-9]{4,6}(?:[ \-]?[0-9]{2,6}){2,6})(?![0-9A-Za-z])")
BANKS = ("中国工商银行", "工商银行", "中国建设银行", "建设银行", "中国农业银行", "农业银行", "中国银行", "交通银行",
         "招商银行", "中国邮政储蓄银行", "邮储银行", "邮政储蓄银行", "平安银行", "浦发银行", "中信银行", "兴业银行",
         "民生银行", "光大银行", "华夏银行", "广发银行", "深圳农村商业银行", "深圳农商银行", "农商银行", "宁波银行",
         "北京银行", "上海银行", "微众银行")
SHORT = {"中国工商银行": "工商银行", "中国建设银行": "建设银行", "中国农业银行": "农业银行",
         "中国邮政储蓄银行": "邮储银行", "邮政储蓄银行": "邮储银行", "深圳农村商业银行": "深圳农商银行"}
_ABBREV = {"工行": "工商银行", "建行": "建设银行", "农行": "农业银行", "中行": "中国银行", "招行": "招商银行",
           "交行": "交通银行", "邮储": "邮储银行"}


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def one_time_code(text: str) -> Optional[str]:
    """The 6-digit code in a message (验证码是 482913 / 482913), if it holds exactly one."""
    found = _CODE.findall(_normal(text))
    return found[0] if len(found) == 1 else None


def bank_account(text: str) -> Optional[str]:
    """A bank card or account number (digits only), 12 to 25 digits. An 18-digit number that reads as an
    ID number (a region code and a real birth date) or is an all-digit 统一社会信用代码 is not one: sent
    where an account is expected it is the user's mistake, and paying a grant to it would be worse than
    asking again."""
    for m in _ACCOUNT.finditer(_normal(text)):
        digits = re.sub(r"[ \-]", "", m.group(1))
        if 12 <= len(digits) <= 25 and not (len(digits) == 18 and (plausible_id_number(digits) or is_company_code(digits))):
            return digits
    return None


def bank_name(text: str) -> Optional[str]:
    text = _normal(text)
    for name in BANKS:  # longest names first within each family, as listed
        if name in text:
            return SHORT.get(name, name)
    for abbrev, name in _ABBREV.items():
        if abbrev in text:
            return name
    return None
