"""What a message asks for: a policy's content ("专精特新有什么奖励", "高企认定的条件") or what the user can
get ("我能申请哪些补贴"). The model reads both as ``find_policies`` now and then; matching starts only for the
second (issue 14, point 2)."""

from __future__ import annotations

import re

from search.textproc import normalise

# asks about the content of something: its rewards, amounts, conditions, materials, process
CONTENT = re.compile(r"有什么|有哪些|有啥|是什么|是多少|多少|几万|怎么|如何|条件|标准|要求|材料|流程|奖励|补贴|资助|"
                     r"扶持|待遇|金额|政策")
# asks what the user (or the user's company) may get: matching's business
FOR_ME = re.compile(r"我|咱|俺|本人|本公司|贵|自己|能不能|可不可以|能否|可以申请|能申请|可以领|能领|可领|能拿|可以拿|"
                    r"能享受|可以享受|符合|适合|够不够|有没有资格|帮.{0,3}(查|看|算|匹配)|匹配|测算|计算器")


def asks_about_content(text: str) -> bool:
    """True for a question about what a policy gives or needs, asked without reference to the user."""
    t = normalise(text or "")
    return bool(CONTENT.search(t)) and not FOR_ME.search(t)
