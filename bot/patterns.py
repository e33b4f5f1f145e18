"""Shapes of the entities that are written, not said: codes (USCC, ID number, phone), company names,
dates. One definition, used by the regex extractor (generated into the NLU data) and by the repair rules.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# 统一社会信用代码 (GB 32100-2015): 18 characters, no I, O, S, V, Z; 身份证号 (GB 11643): 17 digits + check digit
CODES: Dict[str, str] = {
    "uscc": _EDGE_L + r"[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}\d{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}" + _EDGE_R,
    "id_number": _EDGE_L + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _EDGE_R,
    "phone": _EDGE_L + r"1[3-9]\d{9}" + _EDGE_R,
}
_COMPILED = {name: re.compile(p) for name, p in CODES.items()}

# Shenzhen's districts (the lookup table of the `district` entity is generated from this list)
DISTRICTS = ["福田区", "罗湖区", "南山区", "盐田区", "宝安区", "龙岗区", "龙华区", "坪山区", "光明区", "大鹏新区", "深汕特别合作区"]
_DISTRICT_NAMES = "|".join(sorted({d.removesuffix("特别合作区").removesuffix("新区").removesuffix("区") for d in DISTRICTS}, key=len,
                                  reverse=True))
# Nothing but place names (深圳市, 广东省深圳市龙华区, 龙华, 前海): a place, never a company's name
PLACE_ONLY = re.compile(rf"(?:中国|中华人民共和国|广东省?|深圳市?|本市|(?:{_DISTRICT_NAMES}|前海)(?:特别合作区|新区|区)?"
                        rf"|[\u4e00-\u9fff]{{2,4}}(?:街道|社区))+")

# What ends a registered name: nothing after it belongs to the name
COMPANY_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团)$")
# A registered name that starts with the city: 深圳市龙岗区鑫源电子科技有限公司 (non-greedy: the first suffix; the
# name never passes another 深圳市, so in 深圳市有什么政策适合深圳市致远软件有限公司 the name starts at the second)
COMPANY = re.compile(r"深圳(?:市)?(?:(?!深圳市)[\u4e00-\u9fffA-Za-z0-9（）()]){2,30}?(?:股份有限公司|有限责任公司|有限公司|集团)")
# a street or community: 福城 in 福城街道 is a place, whatever the model tagged
PLACE_AFTER = re.compile(r"(?:街道|社区|片区)")

_CN_NUM = "零〇一二两三四五六七八九十"
_MONTH = rf"(?:1[0-2]|0?[1-9]|[{_CN_NUM}]{{1,3}})月(?:份)?(?:(?:[12]\d|3[01]|0?[1-9])[日号])?(?:底|初|中旬|上旬|下旬)?"
_YEAR = rf"(?:(?:19|20)\d{{2}}|[{_CN_NUM}]{{4}})年"
_SHORT_YEAR = r"(?<!\d)\d{2}年"   # 23年6月; 满18年 alone is a duration
_RELATIVE_YEAR = r"(?:今年|去年|前年|明年|后年)"
_RELATIVE = ("今天|明天|后天|昨天|前天|今晚|今早|明早|这周末|下周末|上周末|本周末|本周|这周|下周|上周|这个星期|下个星期|上个星期|周末|本月|这个月|"
             "下个月|上个月|当月|月底|月初|年底|年初|年末|上半年|下半年|本季度|下季度|上季度")
DATE = re.compile(
    rf"(?:{_YEAR}|{_RELATIVE_YEAR})(?:{_MONTH})?(?:底|初)?"   # 2023年6月, 去年10月, 今年
    rf"|{_SHORT_YEAR}(?:{_MONTH})"
    rf"|(?<![\d{_CN_NUM}几个每])(?:{_MONTH})"                # 3月, 十二月份 (not 个月, 每月, 几月)
    rf"|{_RELATIVE}")


def codes(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, entity) of every code in the text."""
    found = [(m.start(), m.end(), name) for name, pattern in _COMPILED.items() for m in pattern.finditer(text)]
    # an ID number is also 18 characters of the USCC alphabet: a span that is both is an ID number
    ids = {(s, e) for s, e, n in found if n == "id_number"}
    return sorted((s, e, n) for s, e, n in found if not (n == "uscc" and (s, e) in ids))


def dates(text: str) -> List[Tuple[int, int]]:
    return [(m.start(), m.end()) for m in DATE.finditer(text)]


def companies(text: str) -> List[Tuple[int, int]]:
    return [(m.start(), m.end()) for m in COMPANY.finditer(text)]
