"""What the identity journey reads from a message's text: the one-time code, a bank account, the bank.

Decisions recorded here:
- a code is exactly six ASCII digits standing alone (full-width digits count, after NFKC); a message with
  two such numbers holds no code (which one was meant is not guessed). Any six-digit number is a code,
  ``202406`` too: the actions read codes only while waiting for one.
- an account is 12 to 25 digits, written in one run or in groups separated by spaces or hyphens. An
  18-digit number that reads as an ID number (region code and a real birth date) is not an account, nor is
  an all-digit 统一社会信用代码: the user sent the wrong number, and a grant paid to it would be lost.
  An ID number ending in X is never one (not all digits). A 12-25 digit amount would be read as an account;
  accounts are read only while waiting for one.
"""

from typing import Optional

import pytest

from bot.identity_text import bank_account, bank_name, one_time_code

ID_NUMBER = "440309194803150023"  # the demo persona 陈桂兰: a valid ID number, all digits
ID_NUMBER_X = "11010519491231002X"
DIGIT_USCC = "914403001922038203"  # an all-digit USCC with the right check character
CARD = "6222021234567890123"


@pytest.mark.parametrize(("text", "code"), [
    ("482913", "482913"),
    ("验证码是 482913", "482913"),
    ("验证码482913。", "482913"),
    ("  482913  ", "482913"),
    ("验证码：４８２９１３", "482913"),  # full-width digits from a Chinese input method
    ("202406", "202406"),  # any six digits alone: read only while a code is awaited
    ("48291", None),  # five digits
    ("4829131", None),  # seven digits
    ("482 913", None),  # split
    ("482913 还是 123456", None),  # two candidates: not guessed
    ("abc482913", None),
    ("482913x", None),
    ("2024-06-11", None),
    ("20240611", None),
    ("13812345678", None),  # a mobile number
    (ID_NUMBER, None),
    ("工商银行 6222 0212 3456 7890 123", None),
    ("٤٨٢٩١٣", None),  # other scripts' digits are not taken
    ("", None),
])
def test_one_time_code(text: str, code: Optional[str]) -> None:
    assert one_time_code(text) == code


@pytest.mark.parametrize(("text", "account"), [
    ("工商银行 6222 0212 3456 7890 123", CARD),
    (CARD, CARD),
    ("卡号6222-0212-3456-7890", "6222021234567890"),
    ("建行卡 6217 0000 1000 0000 000", "6217000010000000000"),
    ("卡号：６２２２　０２１２　３４５６　７８９０　１２３", CARD),  # full-width digits and spaces
    ("123456789012", "123456789012"),  # 12 digits: the shortest taken
    ("1234567890123456789012345", "1234567890123456789012345"),  # 25: the longest
    ("622202123456789012", "622202123456789012"),  # 18 digits that are no ID number (no real birth date)
    (f"身份证{ID_NUMBER}，工商银行{CARD}", CARD),  # the ID number is passed over, the card found
    ("12345678901", None),  # 11 digits
    ("13812345678", None),  # a mobile number
    ("12345678901234567890123456", None),  # 26 digits
    ("482913", None),
    ("2024-06-11", None),
    ("2024年6月11日 10:30", None),
    (ID_NUMBER, None),  # an ID number is not an account
    (f"工商银行 {ID_NUMBER}", None),
    (ID_NUMBER_X, None),
    (DIGIT_USCC, None),  # nor is a company's credit code
    ("91440309MA5H2KQ3XC", None),
    (f"{CARD}abc", None),  # glued to letters: not a number on its own
    ("没带卡", None),
])
def test_bank_account(text: str, account: Optional[str]) -> None:
    assert bank_account(text) == account


@pytest.mark.parametrize(("text", "bank"), [
    ("工商银行 6222 0212 3456 7890 123", "工商银行"),
    ("中国工商银行", "工商银行"),
    ("工行的卡", "工商银行"),
    ("中国建设银行", "建设银行"),
    ("建行", "建设银行"),
    ("农行", "农业银行"),
    ("中国银行", "中国银行"),
    ("中行", "中国银行"),
    ("招商银行", "招商银行"),
    ("中国邮政储蓄银行", "邮储银行"),
    ("邮政储蓄银行", "邮储银行"),
    ("邮储", "邮储银行"),
    ("深圳农村商业银行", "深圳农商银行"),
    ("农商银行", "农商银行"),
    ("微众银行", "微众银行"),
    ("银行卡 6222 0212 3456 7890 123", None),
    ("花旗银行", None),  # not in the list: asked again
    ("", None),
])
def test_bank_name(text: str, bank: Optional[str]) -> None:
    assert bank_name(text) == bank
