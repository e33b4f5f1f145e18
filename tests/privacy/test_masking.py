"""What mask_text masks and what it leaves alone, both directions; idempotence; properties."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.masking import (
    PROVINCES,
    contains_personal_data,
    find_personal_data,
    is_company_code,
    mask_account,
    mask_id_number,
    mask_json,
    mask_name,
    mask_phone,
    mask_text,
    plausible_id_number,
)

ID = "440309194803150023"  # a demo citizen of the data account, valid check digit
ID_X = "11010519491231002X"  # the example printed in GB 11643-1999
MISTYPED_ID = "440309194803150029"  # wrong check digit: still someone's ID number
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


MASKED = [
    # ID numbers, valid or not, wherever they stand
    (ID, "440309********0023"),
    (f"身份证{ID}", "身份证440309********0023"),
    (f"身份证号码：{ID}。", "身份证号码：440309********0023。"),
    (f"{ID_X}", "110105********002X"),
    ("11010519491231002x", "110105********002x"),
    (MISTYPED_ID, "440309********0029"),
    ("990105194912310021", "990105********0021"),  # no such province: still masked
    ("110105194902300021", "110105********0021"),  # no such date: still masked
    ("440309 19480315 0023", "440309********0023"),
    ("440309-19480315-0023", "440309********0023"),
    ("老身份证440309480315123号", "老身份证440309******123号"),
    (f'{{"id_number":"{ID}"}}', '{"id_number":"440309********0023"}'),
    (f"GET /profiles/{ID}/notifications HTTP/1.1", "GET /profiles/440309********0023/notifications HTTP/1.1"),
    (f"/match?id={ID}&x=1", "/match?id=440309********0023&x=1"),
    (f"http://127.0.0.1:8100/profiles/{ID}", "http://127.0.0.1:8100/profiles/440309********0023"),
    (f"q=%E6%98%AF{ID}", "q=%E6%98%AF440309********0023"),  # URL-encoded 是 before it
    (f"q=%E8%AF%81{ID}", "q=%E8%AF%81440309********0023"),  # URL-encoded 证 (ends in a digit)
    (f'"\\u662f{ID}"', '"\\u662f440309********0023"'),  # JSON with ensure_ascii
    (f"b'\\xe6\\x98\\xaf{ID}'", "b'\\xe6\\x98\\xaf440309********0023'"),  # bytes repr
    (f"user_{ID}", "user_440309********0023"),  # the underscore is a boundary
    (f"ID{ID}", "ID440309********0023"),  # a label glued to the number
    (f"ＩＤ{ID}", "ＩＤ440309********0023"),
    # mobile numbers
    ("13812345678", "138****5678"),
    ("电话13812345678，谢谢", "电话138****5678，谢谢"),
    ("138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("+8613812345678", "+86138****5678"),
    ("+86 138 1234 5678", "+86 138****5678"),
    ("+86-138-1234-5678", "+86-138****5678"),
    ("8613812345678", "86138****5678"),
    ("0086 13812345678", "0086 138****5678"),
    ("１３８１２３４５６７８", "１３８****５６７８"),  # full-width digits
    ('{"contact":"19912345678"}', '{"contact":"199****5678"}'),
    ("Tel13812345678", "Tel138****5678"), ("phone13812345678", "phone138****5678"), ("NO13812345678", "NO138****5678"),
    # bank cards and accounts
    ("6222021234567890123", "****0123"),
    ("卡号6222021234567890123", "卡号****0123"),
    ("6222 0212 3456 7890 123", "****0123"),
    ("6222-0212-3456-7890", "****7890"),
    ("6217 0000 1234 5678", "****5678"),
    ("账号 123456789012", "账号 ****9012"),
    ("对公账户 44201501100052512345 建设银行", "对公账户 ****2345 建设银行"),
    ("123456789012345678901234567890", "****7890"),  # 30 digits
]

LEFT_ALONE = [
    "91440309MA5H2KQ3XC",  # USCC with letters
    "91350100M000100Y43",  # the example printed in GB 32100-2015
    "914403007503491055",  # all-digit USCC with a valid check character
    "统一社会信用代码914403001922038216",
    "2026-12-02", "20261202", "2026/12/02", "2026年12月2日", "2026-12-02T10:11:12.123456+08:00",
    "1,000,000", "300万元", "1000000元", "最高500万", "¥12,345,678.90",
    "SQ20261127AB12CD34EF", "GD20261127A1B2C3D4", "RUN1A2B3C4D5E6F", "DY202611271234567890",
    "ENT-011", "CIT-024", "10:11:12", "10:11:12,345",
    "2024 2025 2026", "2024-2025-2026年", "1234 5678 9012",  # three groups of four: not a card
    "12345", "0755-12345", "0755-26541234", "400-800-1234",  # hotlines and short numbers
    "550e8400-e29b-41d4-a716-446655440000",
    "123e4567-e89b-12d3-a456-426614174000",  # a UUID whose last group is all digits
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "a1234567890123456789b", "x13812345678", "13812345678abc", "model-44030919480315002a",
    "score 0.1234567890123456789", "1.4403091948031500", "13812345678.5",
    "https://reportify.cn/news/1142023156488343552",  # a page id in a URL path
    "第1380页", "1380 元", "13800 人",
    "3.1415926535897932384",
]


@pytest.mark.parametrize("text,expected", MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert contains_personal_data(text) and not contains_personal_data(expected)


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_everything_else_is_left_alone(text: str) -> None:
    assert mask_text(text) == text
    assert not contains_personal_data(text) and find_personal_data(text) == []


@pytest.mark.parametrize("text", [t for t, _ in MASKED] + LEFT_ALONE)
def test_masking_is_idempotent(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once


def test_kinds_are_reported_where_they_are() -> None:
    text = f"身份证{ID}，手机138 1234 5678，卡号6222021234567890123"
    found = find_personal_data(text)
    assert [f.kind for f in found] == ["id_number", "phone", "bank_account"]
    assert [text[f.start:f.end] for f in found] == [ID, "138 1234 5678", "6222021234567890123"]
    assert contains_personal_data(text, kinds=["phone"]) and not contains_personal_data(
        "卡号6222021234567890123", kinds=["id_number", "phone"])


def test_a_dialogue_line_with_everything() -> None:
    text = (f"我叫陈桂兰，身份证{ID}，手机+86 139-2222-3333，工资卡6217 0000 1234 5678，"
            "公司91440309MA5H2KQ3XC，2026-12-02申请了ENT-011，金额300万元，申请号SQ20261127AB12CD34EF")
    assert mask_text(text) == ("我叫陈桂兰，身份证440309********0023，手机+86 139****3333，工资卡****5678，"
                               "公司91440309MA5H2KQ3XC，2026-12-02申请了ENT-011，金额300万元，申请号SQ20261127AB12CD34EF")


def test_query_strings_of_urls_are_masked_in_full_but_page_ids_in_paths_are_kept() -> None:
    url = "https://x.gov.cn/a/1142023156488343552?account=6222021234567890123&phone=13812345678#13912345678"
    assert mask_text(url) == "https://x.gov.cn/a/1142023156488343552?account=****0123&phone=138****5678#139****5678"
    assert mask_text(f"https://x.gov.cn/profiles/{ID}") == "https://x.gov.cn/profiles/440309********0023"


@pytest.mark.parametrize("value,expected", [
    (ID, "440309********0023"), (ID_X, "110105********002X"), ("440309 19480315 0023", "440309********0023"),
    ("440309480315123", "440309******123"), ("440309********0023", "440309********0023"), ("12345", "*****"),
])
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected == mask_id_number(expected)


@pytest.mark.parametrize("value,expected", [
    ("13812345678", "138****5678"), ("138 1234 5678", "138****5678"), ("+86 13812345678", "+86 138****5678"),
    ("138****5678", "138****5678"), ("0755-26541234", "075*****1234"), ("1234", "****"),
])
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected == mask_phone(expected)


@pytest.mark.parametrize("value,expected", [
    ("6222021234567890123", "****0123"), ("6217 0000 1234 5678", "****5678"), ("****0123", "****0123"),
    ("123", "****"),
])
def test_mask_account(value: str, expected: str) -> None:
    assert mask_account(value) == expected == mask_account(expected)


@pytest.mark.parametrize("value,expected", [
    ("陈桂兰", "陈*兰"), ("李四", "李*"), ("欧阳修远", "欧**远"), ("王", "*"), ("", ""), ("陈*兰", "陈*兰"),
])
def test_mask_name(value: str, expected: str) -> None:
    assert mask_name(value) == expected and len(mask_name(value)) == len(value)


def test_mask_json_masks_strings_at_any_depth_and_keeps_keys() -> None:
    doc = {ID: {"phones": ["13812345678", {"note": f"身份证{ID}"}], "n": 13812345678, "ok": True, "none": None},
           "uscc": "91440309MA5H2KQ3XC"}
    masked = mask_json(doc)
    assert masked == {ID: {"phones": ["138****5678", {"note": "身份证440309********0023"}], "n": 13812345678,
                           "ok": True, "none": None}, "uscc": "91440309MA5H2KQ3XC"}
    assert doc[ID]["phones"][0] == "13812345678"  # a copy: the input is untouched


def test_masked_json_text_is_still_json() -> None:
    doc = {"id": ID, "contact": "13812345678", "score": 0.12345678901234568, "when": "2026-12-02", "n": [1, 2]}
    assert json.loads(mask_text(json.dumps(doc))) == {**doc, "id": "440309********0023", "contact": "138****5678"}


def test_plausible_id_numbers_and_company_codes() -> None:
    assert plausible_id_number(ID) and plausible_id_number(MISTYPED_ID) and plausible_id_number("440309480315123")
    assert not plausible_id_number("990105194912310021") and not plausible_id_number("440309194813150023")
    assert is_company_code("914403007503491055") and is_company_code("91350100M000100Y43")
    assert not is_company_code(ID) and not is_company_code("914403007503491056")


# properties

CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=12)
PUNCTUATION = st.sampled_from(["", " ", "：", "，", "。", "(", ")", "\n", "\"", "/", "="])
BIRTH = st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """ID-shaped numbers with any check character: the mistyped ones must be masked too."""
    region = draw(st.sampled_from(sorted(PROVINCES))) + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    born = draw(BIRTH)
    return region + born.strftime("%Y%m%d") + draw(st.from_regex(r"\A[0-9]{3}[0-9X]\Z"))


@st.composite
def usccs(draw: st.DrawFn) -> str:
    """统一社会信用代码: registration authority, type, region, organisation code and a valid check character."""
    first17 = (draw(st.sampled_from("123456789ANY")) + draw(st.sampled_from("12345679"))
               + draw(st.from_regex(r"\A[0-9]{6}\Z")) + draw(st.text(st.sampled_from(USCC_CHARS), min_size=9, max_size=9)))
    return first17 + uscc_check(first17)


@given(CHINESE, PUNCTUATION, id_numbers(), PUNCTUATION, CHINESE)
def test_id_numbers_in_chinese_text_are_always_masked(before: str, p1: str, number: str, p2: str, after: str) -> None:
    text = before + p1 + number + p2 + after
    masked = mask_text(text)
    assert number not in masked and number[:6] + "********" + number[-4:] in masked
    assert not contains_personal_data(masked) and mask_text(masked) == masked


@given(CHINESE, st.from_regex(r"\A[0-9]{18}\Z"), CHINESE)
def test_random_18_digit_strings_in_chinese_text_are_masked_unless_a_company_code(
        before: str, digits: str, after: str) -> None:
    masked = mask_text(before + digits + after)
    if is_company_code(digits):  # valid GB 32100 check character and no region + birth date of an ID number
        assert masked == before + digits + after
    else:
        assert masked == before + digits[:6] + "********" + digits[-4:] + after


@given(CHINESE, PUNCTUATION, usccs(), PUNCTUATION, CHINESE)
def test_company_codes_are_never_altered(before: str, p1: str, code: str, p2: str, after: str) -> None:
    text = before + p1 + code + p2 + after
    assert mask_text(text) == text


@given(CHINESE, st.from_regex(r"\A1[3-9][0-9]{9}\Z"), st.sampled_from(["", " ", "-"]), CHINESE)
def test_mobile_numbers_are_always_masked(before: str, phone: str, sep: str, after: str) -> None:
    written = phone[:3] + sep + phone[3:7] + sep + phone[7:]
    assert mask_text(before + written + after) == before + phone[:3] + "****" + phone[-4:] + after


@settings(max_examples=200)
@given(st.lists(st.one_of(CHINESE, PUNCTUATION, id_numbers(), usccs(), st.from_regex(r"\A[0-9]{1,32}\Z"),
                          st.from_regex(r"\A1[3-9][0-9]{9}\Z"), st.text(max_size=8)), max_size=8))
def test_masked_text_holds_no_personal_data_and_masking_is_idempotent(parts: list) -> None:
    text = "".join(parts)
    masked = mask_text(text)
    assert not contains_personal_data(masked)
    assert mask_text(masked) == masked
