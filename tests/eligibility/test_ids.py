from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.profiles.ids import (
    USCC_CHARS,
    citizen_check_char,
    citizen_problem,
    kind_of,
    uscc_check_char,
    uscc_problem,
)
from privacy.logging import MaskingFilter
from privacy.masking import mask_text as mask_ids

GB32100_EXAMPLE = "91350100M000100Y43"  # the example printed in GB 32100-2015
GB11643_EXAMPLE = "11010519491231002X"  # the example printed in GB 11643-1999


def test_standard_examples_are_valid() -> None:
    assert uscc_problem(GB32100_EXAMPLE) is None
    assert citizen_problem(GB11643_EXAMPLE) is None
    assert kind_of(GB11643_EXAMPLE) == "citizen" and kind_of(GB32100_EXAMPLE) == "enterprise"


@given(st.integers(0, 16), st.sampled_from(USCC_CHARS))
def test_any_single_uscc_substitution_is_caught(pos: int, char: str) -> None:
    changed = GB32100_EXAMPLE[:pos] + char + GB32100_EXAMPLE[pos + 1:]
    if changed != GB32100_EXAMPLE:
        problem = uscc_problem(changed)
        assert problem is not None and problem.code == "invalid_uscc_check_digit"


@given(st.integers(0, 16), st.sampled_from("0123456789"))
def test_any_single_id_substitution_is_caught(pos: int, digit: str) -> None:
    changed = GB11643_EXAMPLE[:pos] + digit + GB11643_EXAMPLE[pos + 1:]
    if changed != GB11643_EXAMPLE:
        assert citizen_problem(changed) is not None


@pytest.mark.parametrize("value,code", [
    ("91350100M000100Y4", "invalid_uscc_length"),
    ("91350100M000100YI3", "invalid_uscc_chars"),
    ("91350100M000100Y44", "invalid_uscc_check_digit"),
])
def test_uscc_problems_have_codes_and_chinese(value: str, code: str) -> None:
    problem = uscc_problem(value)
    assert problem is not None and problem.code == code and "统一社会信用代码" in problem.message


@pytest.mark.parametrize("value,code", [
    ("110105194912310021", "invalid_id_check_digit"),
    ("110105194902300021", "invalid_id_birth_date"),
    ("990105194912310021", "invalid_id_region"),
])
def test_id_problems(value: str, code: str) -> None:
    problem = citizen_problem(value)
    assert problem is not None and problem.code == code and "身份证" in problem.message


def test_check_chars_match_the_standard_examples() -> None:
    assert uscc_check_char(GB32100_EXAMPLE[:17]) == "3"
    assert citizen_check_char(GB11643_EXAMPLE[:17]) == "X"


def test_masking_keeps_uscc_and_masks_ids_in_text() -> None:
    text = f"企业{GB32100_EXAMPLE}，联系人{GB11643_EXAMPLE}，号码13800138000"
    out = mask_ids(text)
    assert GB32100_EXAMPLE in out and GB11643_EXAMPLE not in out and "110105********002X" in out


def test_log_records_are_masked() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, 'GET /profiles/%s HTTP/1.1', (GB11643_EXAMPLE,), None)
    MaskingFilter().filter(record)
    assert GB11643_EXAMPLE not in record.getMessage() and "110105********002X" in record.getMessage()
