"""好差评 levels and the everyday ways people say them.

The five levels are those of the government service rating (非常满意 … 非常不满意). Expressions are a closed
list, so they are read by a lexicon (longest match) and a pattern for scores (4分, 五颗星), not learned:
DIET alone tagged 满意 inside 不满意 and 非常 on its own.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from bot.gazetteer import Gazetteer

LEVELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]

EXPRESSIONS: Dict[str, Tuple[str, ...]] = {
    "非常满意": ("非常满意", "很满意", "十分满意", "特别满意", "特满意", "超满意", "太满意了", "相当满意", "超级满意", "超级好", "超级棒", "非常好",
              "特别好", "太好了", "太棒了", "很棒", "超棒", "超赞", "满分", "没得说", "好极了", "五星好评", "特別滿意",
              "非常滿意", "很滿意"),
    "满意": ("满意", "滿意", "比较满意", "挺满意", "还算满意", "蛮满意", "好评", "很好", "挺好", "挺好的", "蛮好的",
           "不错", "挺不错", "还不错", "很不错"),
    "基本满意": ("基本满意", "基本滿意", "一般", "一般般", "还行", "還行", "还可以", "还凑合", "凑合", "马马虎虎",
             "过得去", "過得去", "及格", "中评", "中规中矩", "说得过去"),
    "不满意": ("不满意", "不滿意", "不太满意", "不怎么满意", "不大满意", "差评", "不太好", "不怎么样", "不太行",
            "不咋地", "不咋样", "有点差", "比较差", "不好用"),
    "非常不满意": ("非常不满意", "很不满意", "特别不满意", "十分不满意", "极不满意", "非常不滿意", "太差了", "太差",
              "很差", "极差", "差劲", "很差劲", "太差劲", "太烂了", "烂透了", "很烂", "很糟糕", "太糟糕", "糟透了",
              "差到家了", "差到极点", "垃圾", "一点都不满意"),
}

# 4分 / 四星 / 五颗星 / 打3分: the score decides the level (5 -> 非常满意 … 1 or 0 -> 非常不满意)
SCORE = re.compile(r"(?<![\d十])(10|十|[0-5零一二两三四五])\s*(?:分|星|颗星|顆星)")
SCORE_LEVEL = {"10": 0, "十": 0, "5": 0, "五": 0, "4": 1, "四": 1, "3": 2, "三": 2, "2": 3, "二": 3, "两": 3,
               "1": 4, "一": 4, "0": 4, "零": 4}
# a lexicon word that is part of another phrase: 不好意思, 一般来说, 还行吗
NOT_A_RATING = re.compile(r"^(意思|来说|情况|要|需要|多久|几天|多少|是|都|吗|不)")

_LEXICON = Gazetteer({text: level for level, texts in EXPRESSIONS.items() for text in texts},
                     accept=lambda rest: not NOT_A_RATING.match(rest))


def find(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, level) of every rating expression in `text`, longest match first, no overlaps."""
    found = _LEXICON.find(text)
    for match in SCORE.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e, _ in found):
            found.append((match.start(), match.end(), LEVELS[SCORE_LEVEL[match.group(1)]]))
    return sorted(found)


def level_of(expression: str) -> str:
    """The level of one expression (a lexicon word, a score or a level itself); "" when unknown."""
    hits = find(expression)
    if len(hits) == 1 and hits[0][0] == 0 and hits[0][1] == len(expression):
        return hits[0][2]
    return ""
