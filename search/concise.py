"""Concise answers: the sentence or sentences of a passage that answer a question, extracted, never generated.

Every character shown is a character of the passage, in the passage's order. A passage is read as
**pieces**, cut after every clause mark (，：), semicolon, sentence end and paragraph break *outside*
brackets and quotes (a comma or colon between two digits, 1,000 or 8:30, belongs to the number; a decimal
point ends nothing), and **segments**, the sentences and semicolon-separated parts the pieces make up. So an
answer is never cut inside a number, a bracket or a quotation.

- The answer starts from the segment that holds most of the question: its character bigrams weighted by
  their rarity inside the passage, a mild preference for shorter segments and, for a question asking for a
  figure, for segments that have one. A heading, a label ending in a colon, a quoted question (问：…？) or a
  line that only restates the question (a title, a signature) gives way to what follows it or to the next
  best segment.
- Clauses at the edges that only set the scene go: attribution (据介绍, 通知要求), purpose, what the question
  already says. A condition the question did not state (对…的, 截至…, 自…起, …后) stays with what it governs,
  and an exception that follows (但…, 除…外) stays too; steps of a procedure stay when the question asks how.
- A list joined by semicolons is kept whole; a passage of at most ``CONDITIONS_WHOLE`` characters is shown
  whole when the question asks for conditions or materials: never a selection of them.
- A question for a figure (多少, 几, 何时, 电话…) gets the clause that holds it, with its conditions; when what
  is left after the words the question repeats starts with the figure and keeps its unit, just that
  ("哪天完工" → "2月18日前"), unless a negation or exemption would go with those words.
- A bracket table (70至79周岁每月200元，80至89周岁每月300元…) is shown whole with its lead-in unless the question
  pins one bracket (85岁): then that row after the lead-in. :func:`shown` also replaces an answer that is one
  row of a table the question did not pin (an FAQ about 85岁 for "每月多少钱") by the whole table.
- A question for one thing (多少, 几, 何时, 哪个, 哪里, 谁…) gets what stands where the question has its question
  word, when the question's words on both sides of it stand next to it in the text ("每天有多少名交通干部" over
  "每天有4.4万名交通干部…" → "4.4万名"): only the question's own words and a connective go from that clause
  (:func:`slot`); a figure question prefers the clause with the kind of figure it asks for (a duration for 多久,
  a date for 何时, an amount for 金额, a share for 比例, a number for 电话, a channel for 哪里/渠道).
- A question for one figure gets just that figure, with what makes it a bound or a rate (最高可贷500万元, 每人每课时
  10元), when it is the only figure of its kind in the answer and the question's words stand next to it
  (:func:`asked_figure`); never a guess between two figures of one kind (主板/科创板), never without its cap, its
  tiers, its condition, its exception or a caveat. A question for which things (哪些车辆, 哪几个部门) gets the list
  that names them, through its 等 and the question's noun (:func:`listed_items`).
- A news dateline, who said it before a colon, and the departments responsible in a closing bracket go.
- What only labels or repeats goes from the edges: a leading list number (二、, （三）, 4.) or short label, the
  question's own words at the start when whole words go and nothing that governs what follows (对, 由…), and a
  last clause that only says what for (确保…, 避免…) unless the question asks why.
- When unsure, more rather than a wrong fragment: a result that says nothing the question did not is
  replaced by its whole segment(s); a passage where no segment holds ``UNSURE`` of the question, or of at most
  ``SHORT_PASSAGE`` characters, is shown whole.

The thresholds were tuned on one half of the NCP dev questions (``policybot eval answers --split tune``); the
other half (``--split held-out``) is the untouched check. The figure and list rules were also read against our own
corpus's questions (eval/questions.jsonl): that is where the guards against a wrong tier, a lost cap or a lost caveat
come from. Pure functions, no model: about a millisecond of CPU per answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from search.textproc import char_bigrams, normalise, strip_question_words
from search.types import Answer, Citation, Hit

SHORT_PASSAGE = 100  # characters: a passage this short is shown whole
BUDGET = 200  # characters: the body under a heading is taken, sentence by sentence, while it fits

OPEN = "（(《“‘「【[〔"
CLOSE = "）)》”’」】]〕"
SENT_END = "。！？!?"
SEMI = "；;"
CLAUSE = "，,：:"
DIGITS = frozenset("0123456789０１２３４５６７８９")
TRAILING = "，,：:；; "

_CN = "一二三四五六七八九十"
HEADING = re.compile(r"\s*(第[" + _CN + r"\d]+[章条节]|[" + _CN + r"]+[、是]|[（(][" + _CN + r"\d]+[)）]|\d{1,2}[、.．](?!\d))")
ATTRIBUTION = re.compile(r"(据.{0,12}介绍|据了解|据悉|.{0,16}(表示|指出|强调|获悉|提醒|介绍|称|说|透露|了解到)|"
                         r"(通知|意见|文件|措施|公告|方案)(要求|明确|指出|规定|提出|强调)|记者.{0,12}(获悉|了解到|注意到))$")
# A clause that governs what follows: when, for whom, on what basis.
QUALIFIER = re.compile(r"^(截至|截止|自|从|对|凡|如|若|除|因|受|在.{0,20}(期间|之前|之后|前|后|内|时)|经|按|依|根据)"
                       r"|的$|(前|后|起|时|内|期间)$")
EXCEPTION = re.compile(r"^(但|除|不含|不包括|且不)")
FIGURE_QUESTION = re.compile(r"多少|(?<!哪)几[个家所人天项条次批种类方%岁年月号]|几$|多长|多久|多大|多高|什么时候|何时|哪天|哪一天|"
                             r"比例|金额|电话|热线|号码|日期")
NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+(个|家|所|项|条|次|批|种|类|方面|天|月|年|倍|万|亿)")
# Questions that want an explanation or a yes/no: never answered by a bare figure.
EXPLAIN = re.compile(r"如何|怎么|怎样|为什么|为何|是否|吗|能否|可否|有何|措施")
PROCEDURE_QUESTION = re.compile(r"如何|怎么|怎样|怎么样|流程|步骤|程序|途径|渠道|方式")
# A step of a procedure: kept before the clause that matched when the question asks how.
STEP = re.compile(r"填写|登录|拨打|关注|提交|携带|扫码|下载|点击|预约|前往|上传|测量|到[^，,]{0,10}(办理|领取|申请|进行|测量)")
CONDITIONS = re.compile(r"条件|资格|材料|哪些人|谁可以|谁能|符合什么")
CONDITIONS_WHOLE = 240  # characters: a passage this short is shown whole when the question asks for conditions
NEGATION = re.compile(r"[不未无非禁停免除没勿严]")
LABEL = re.compile(r"^\s*答\s*[：:]\s*")

# A row of a bracket table: a range or threshold of a number, then another number (the amount).
_NUMERAL = r"\d+(?:\.\d+)?"
RANGE = re.compile(r"(" + _NUMERAL + r")\s*(?:至|到|-|－|—|~|～)\s*(" + _NUMERAL + r")")
THRESHOLD = re.compile(r"(" + _NUMERAL + r")[^\d，,；;]{0,4}?(以上|及以上|以下|及以下|以内|不满|未满|不足)")
QUESTION_NUMBER = re.compile(r"(" + _NUMERAL + r")")

RESTATED = 0.5  # share of a segment's bigrams found in the question: it restates the question
THIN = 10  # ... and says fewer new bigrams than this: it gives way to the next segment
FRESH = 3  # a clause with fewer new bigrams than this says nothing the question did not
ANCHOR_RESTATED = 0.6  # the best clause goes when this much of it is the question and something follows
SHOWN_FRESH = 4  # a result with fewer new bigrams than this is replaced by the whole segment(s)
HEADING_CHARS = 30  # a numbered line this short is a heading: its body answers
UNSURE = 0.1  # when no segment holds this share of the question, the passage is shown whole
ALTERNATIVE = 0.6  # a thin best segment yields to another one scoring at least this share of it
ALTERNATIVE_TO_A_LINE = 0.2  # ... or this share when it stands alone on its line (a title, a signature)
LENGTH_PENALTY = 0.02  # per log character of a segment
FIGURE_BONUS = 0.1  # a question for a figure prefers segments that have one


# What kind of figure a question asks for, and how it is written.
_D = r"[0-9０-９一二三四五六七八九十两百千]"
KINDS = [
    (re.compile(r"多久|多长时间|期限|几个月|几天|几年|多少天|多长"), re.compile(_D + r"+\s*(个月|个工作日|天|日(?!前|起|至)|年(?!\d)|小时|周)")),
    (re.compile(r"何时|什么时候|什么时间|哪天|哪一天|日期|几月几日|几号"), re.compile(r"\d+月\d+日|\d{4}年\d+月|\d+日前|月底|月初")),
    (re.compile(r"比例|比率|百分之|[多少]+%|占比|率(?:为|是|达|有)?多少"), re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之|成")),
    (re.compile(r"多少钱|金额|资金|补贴多少|奖励多少|多少元|多少万|贷款多少|额度"), re.compile(_D + r"[\d.,，]*\s*(万|亿)?元")),
    (re.compile(r"电话|热线|号码"), re.compile(r"\d{5,}|\d{3,4}[-－—]\d{6,8}")),
    (re.compile(r"哪里|哪儿|何处|地点|地址|渠道|途径|平台|网站|网址|在哪"),
     re.compile(r"通过|登录|拨打|关注|网站|平台|APP|App|app|公众号|小程序|客户端|热线|窗口|大厅|地址|[路街]\d+号|www|http")),
]
KIND_BONUS = 0.2  # a segment with the kind of figure asked for (0.1 before the figure was shown alone: it pays more now)


def figure_kind(question: str) -> Optional[re.Pattern[str]]:
    for asks, written in KINDS:
        if asks.search(question):
            return written
    return None


@dataclass(frozen=True)
class Shown:
    """What the assistant shows for an answer."""

    text: str  # the answer: a curated FAQ answer verbatim, or the concise part of the best passage
    citation: Citation
    passage: Optional[str] = None  # the whole passage, when `text` is only part of it (查看原文)


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    stop: str  # what ends it: "clause", "semi", "sent", "para" or "end"


@dataclass(frozen=True)
class Concise:
    text: str  # what is shown: characters of the passage, in order
    whole: bool  # the whole passage is shown (nothing more to see behind 查看原文)


def pieces(text: str) -> List[Piece]:
    """The passage cut after every clause mark, semicolon, sentence end and paragraph break outside
    brackets and quotes; closing marks stay with the piece they close."""
    out: List[Piece] = []
    depth, start, i, n = 0, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        elif ch == "\n" or (ch in " \u3000" and i + 1 < n and (text[i + 1] in " \u3000" or HEADING.match(text, i + 1))):
            j = i
            while j < n and text[j].isspace():
                j += 1
            if text[start:i].strip():
                out.append(Piece(start, i, "para"))
            elif out:
                out[-1] = Piece(out[-1].start, out[-1].end, "para")
            start = i = j
            depth = 0
            continue
        elif depth == 0 and (ch in SENT_END or ch in SEMI or ch in CLAUSE):
            if ch in CLAUSE and 0 < i < n - 1 and text[i - 1] in DIGITS and text[i + 1] in DIGITS:
                i += 1
                continue
            j = i + 1
            while j < n and (text[j] in SENT_END or text[j] in CLOSE or text[j] in SEMI):
                j += 1
            marks = text[i:j]
            kind = "sent" if any(c in SENT_END for c in marks) else "semi" if any(c in SEMI for c in marks) else "clause"
            if text[start:j].strip():
                out.append(Piece(start, j, kind))
            start = i = j
            continue
        i += 1
    if text[start:].strip():
        out.append(Piece(start, n, "end"))
    return out


def segments(ps: Sequence[Piece]) -> List[Tuple[int, int]]:
    """(first piece, end piece) of every sentence or semicolon-separated part."""
    out, first = [], 0
    for k, p in enumerate(ps):
        if p.stop != "clause":
            out.append((first, k + 1))
            first = k + 1
    if first < len(ps):
        out.append((first, len(ps)))
    return out


def grams(text: str) -> Set[str]:
    return set(char_bigrams(normalise(text)))


def _bare(text: str) -> str:
    return text.strip().rstrip("，,：:；;。！？!? ")


# ---- bracket tables -----------------------------------------------------------------------------------------

def _bracket(text: str) -> Optional[Tuple[float, float]]:
    """The range of the first number of a table row ("80至89周岁每月300元" → 80..89), when it has another
    number after it (the amount)."""
    m = RANGE.search(text)
    if m and NUMBER.search(text[m.end():]):
        return float(m.group(1)), float(m.group(2))
    m = THRESHOLD.search(text)
    if m and NUMBER.search(text[m.end():]):
        value = float(m.group(1))
        return (value, math.inf) if "上" in m.group(2) else (-math.inf, value)
    return None


def tables(text: str, ps: Sequence[Piece]) -> List[Tuple[int, int]]:
    """(first piece, end piece) of every run of two or more consecutive table rows."""
    out: List[Tuple[int, int]] = []
    k = 0
    while k < len(ps):
        j = k
        while j < len(ps) and _bracket(text[ps[j].start:ps[j].end]) is not None and (j == k or ps[j - 1].stop in ("clause", "semi")):
            j += 1
        if j - k >= 2:
            out.append((k, j))
            k = j
        else:
            k += 1
    return out


def pinned_row(question: str, text: str, ps: Sequence[Piece], table: Tuple[int, int]) -> Optional[int]:
    """The one row of the table whose bracket holds a number the question gives (85岁 → 80至89周岁)."""
    numbers = [float(m.group(1)) for m in QUESTION_NUMBER.finditer(normalise(question))]
    rows = []
    for k in range(*table):
        low, high = _bracket(text[ps[k].start:ps[k].end]) or (math.nan, math.nan)
        if any(low <= x <= high for x in numbers):
            rows.append(k)
    return rows[0] if len(rows) == 1 else None


# ---- the answer ---------------------------------------------------------------------------------------------

class _Reading:
    """One passage read against one question."""

    def __init__(self, question: str, text: str):
        self.question, self.text = question, text
        self.ps = pieces(text)
        self.segs = segments(self.ps)
        self.q = grams(strip_question_words(normalise(question)))
        self.piece_text = [text[p.start:p.end].strip() for p in self.ps]
        self.piece_grams = [grams(t) for t in self.piece_text]
        self.seg_text = [self.span(a, b) for a, b in self.segs]
        self.seg_grams = [set().union(*self.piece_grams[a:b]) for a, b in self.segs]
        df: Dict[str, int] = {}
        for g in self.seg_grams:
            for x in g & self.q:
                df[x] = df.get(x, 0) + 1
        self.weight = {x: math.log(1 + len(self.segs) / df.get(x, 1)) for x in self.q}
        self.total = sum(self.weight.values()) or 1.0
        self.figure_question = FIGURE_QUESTION.search(question) is not None
        self.how = PROCEDURE_QUESTION.search(question) is not None
        self.tables = tables(text, self.ps)
        self.kind = figure_kind(question)

    def span(self, a: int, b: int) -> str:
        return self.text[self.ps[a].start:self.ps[b - 1].end].strip()

    def coverage(self, g: Set[str]) -> float:
        return sum(self.weight[x] for x in g & self.q) / self.total

    def fresh(self, k: int) -> int:
        return len(self.piece_grams[k] - self.q)

    def restated(self, g: Set[str]) -> float:
        return len(g & self.q) / len(g) if g else 1.0

    def figure(self, k: int) -> bool:
        return NUMBER.search(self.piece_text[k]) is not None

    def qualifier(self, k: int) -> bool:
        return QUALIFIER.search(_bare(self.piece_text[k])) is not None

    def new_figure(self, text: str) -> bool:
        """A question for a figure, and the text has a number the question does not."""
        if not self.figure_question:
            return False
        asked = set(re.findall(r"\d+(?:\.\d+)?", normalise(self.question)))
        return any(x not in asked for x in re.findall(r"\d+(?:\.\d+)?", normalise(unnumbered(text))))

    def wanted(self, text: str) -> bool:
        """The text has the kind of figure the question asks for (a duration, a date, an amount, a share)."""
        return self.kind is not None and self.kind.search(text) is not None

    def scores(self) -> List[float]:
        bonus = FIGURE_BONUS if self.figure_question else 0.0
        return [self.coverage(g) - LENGTH_PENALTY * math.log(1 + len(t)) + (bonus if NUMBER.search(t) else 0.0)
                + (KIND_BONUS if self.wanted(t) else 0.0)
                for g, t in zip(self.seg_grams, self.seg_text)]

    def thin(self, s: int) -> bool:
        """The segment restates the question and adds next to nothing (a title, a signature, a lead-in)."""
        return (self.restated(self.seg_grams[s]) >= RESTATED and len(self.seg_grams[s] - self.q) < THIN
                and not (self.figure_question and NUMBER.search(self.seg_text[s])))

    def choose(self) -> Tuple[int, int, bool]:
        """(first segment, last segment, whether the first is the one that matched)."""
        score = self.scores()
        s = max(range(len(self.segs)), key=lambda k: (score[k], -k))
        t = self.seg_text[s]
        marker = HEADING.match(t)
        heading = (marker is not None and len(t) <= HEADING_CHARS and self.segs[s][1] - self.segs[s][0] == 1
                   and len(self.seg_grams[s] - self.q) < THIN
                   and not (self.figure_question and NUMBER.search(t[marker.end():])))
        leads_on = heading or t.endswith(("？", "?", "：", ":"))
        thin = self.thin(s)
        if thin and not leads_on:
            others = [k for k in range(len(self.segs)) if k != s and k != s + 1 and not self.thin(k)]
            if others:
                k = max(others, key=lambda k: (score[k], -k))
                a, b = self.segs[s]
                alone = self.ps[b - 1].stop in ("para", "end") and (a == 0 or self.ps[a - 1].stop == "para")
                if score[k] >= (ALTERNATIVE_TO_A_LINE if alone else ALTERNATIVE) * score[s]:
                    return k, k, True
        if not (leads_on or thin) or s + 1 >= len(self.segs):
            return s, s, True
        first = last = s + 1
        while (leads_on and last + 1 < len(self.segs) and HEADING.match(self.seg_text[last + 1]) is None
               and len(self.span(self.segs[first][0], self.segs[last + 1][1])) <= BUDGET):
            last += 1  # the body under a heading
        return first, last, False

    def trim(self, a: int, b: int, matched: bool) -> Tuple[int, int]:
        """The pieces of a..b that answer: scene-setting and restated clauses go, conditions stay."""
        cov = [self.coverage(self.piece_grams[k]) for k in range(a, b)]
        best = a + max(range(b - a), key=lambda i: (cov[i], -i)) if matched else a
        if self.figure_question and matched:
            figures = [k for k in range(a, b) if self.figure(k)]
            if figures:
                k = min(figures, key=lambda i: (not self.wanted(self.piece_text[i]), self.qualifier(i), abs(i - best),
                                                -cov[i - a]))
                lead = k
                while lead > a and self.qualifier(lead - 1) and self.fresh(lead - 1) >= FRESH:
                    lead -= 1
                return lead, k + 1
        # only clauses at the edges go: every sentence or list item chosen keeps at least its last clause
        first_end = next(e for s, e in self.segs if s <= a < e)
        last_start = next(s for s, e in self.segs if s <= b - 1 < e)
        lead = a
        while lead < min(best, first_end - 1) and lead + 1 < b:
            t = _bare(self.piece_text[lead])
            if ATTRIBUTION.search(t) or self.fresh(lead) < FRESH or not (self.qualifier(lead) or (self.how and STEP.search(t))):
                lead += 1
            else:
                break
        if (lead == best and lead + 1 < b and not (self.figure_question and self.figure(lead))
                and (self.fresh(lead) < FRESH or self.restated(self.piece_grams[lead]) >= ANCHOR_RESTATED)):
            lead += 1  # the best clause only restates the question: the answer is what follows
        tail = b
        while tail - 1 > max(lead, best, last_start) and self.fresh(tail - 1) < FRESH:
            tail -= 1
        return lead, tail

    def whole_list(self, first: int, last: int) -> Tuple[int, int]:
        """Widen to every item of a list the segments belong to (parts of one sentence joined by ；)."""
        while first > 0 and self.ps[self.segs[first - 1][1] - 1].stop == "semi":
            first -= 1
        while last + 1 < len(self.segs) and self.ps[self.segs[last][1] - 1].stop == "semi":
            last += 1
        return first, last

    def keep_whole(self, a: int, b: int) -> Tuple[int, int]:
        """Widen a..b so that no condition, exception or table row is cut."""
        while a > 0 and self.ps[a - 1].stop == "clause" and self.qualifier(a - 1) and self.fresh(a - 1) >= FRESH:
            a -= 1
        while b < len(self.ps) and self.ps[b - 1].stop == "clause" and (
                EXCEPTION.match(self.piece_text[b]) or self.qualifier(b - 1)):
            b += 1  # an exception that follows, or what a condition at the end governs
        for t0, t1 in self.tables:
            if a < t1 and t0 < b:
                a, b = min(a, self.lead_in(t0)), max(b, t1)
        return a, b

    def lead_in(self, table_start: int) -> int:
        """The table's first piece, or the clause introducing it ("高龄老人津贴按月发放：") when there is one."""
        k = table_start - 1
        if k >= 0 and self.ps[k].stop == "clause" and self.piece_text[k].endswith(("：", ":")):
            return k
        return table_start

    def answer(self) -> str:
        first, last, matched = self.choose()
        if not self.figure_question:
            first, last = self.whole_list(first, last)
        a, b = self.segs[first][0], self.segs[last][1]
        for t0, t1 in self.tables:
            if a < t1 and t0 < b:
                row = pinned_row(self.question, self.text, self.ps, (t0, t1))
                if row is not None:
                    return self.with_lead_in(t0, row)
        a, b = self.keep_whole(*self.trim(a, b, matched))
        shown = self.span(a, b)
        if len(grams(shown) - self.q) < SHOWN_FRESH and not self.new_figure(shown):
            # says nothing new: the whole segment(s) instead
            shown = self.span(self.segs[first][0], self.segs[min(last + 1, len(self.segs) - 1)][1])
        elif b - a == 1 and self.figure_question and not EXPLAIN.search(self.question):
            shown = figure_only(shown, self.question)
        if SLOT_WH.search(self.question) and not EXPLAIN.search(self.question):
            shown = slot(shown, self.question)
        shown = LABEL.sub("", shown).rstrip(TRAILING)
        shown = without_byline(shown)
        shown = unnumbered(shown)
        shown = without_heading(shown)
        shown = without_purpose(shown, self.question)
        shown = without_restated_tail(shown, self.question)
        shown = without_restated_lead(shown, self.question)
        return asked_only(unrepeated(shown, self.question), self.question)

    def with_lead_in(self, table_start: int, row: int) -> str:
        """The pinned row, after the table's lead-in when the clause before the table introduces it
        ("高龄老人津贴按月发放：")."""
        row_text = self.piece_text[row].rstrip(TRAILING)
        k = self.lead_in(table_start)
        return self.piece_text[k] + row_text if k < table_start else row_text


def restated_mask(text: str, question: str) -> List[bool]:
    """Per character of text: part of a character pair the question also has."""
    qn = normalise(question)
    pairs = {qn[k:k + 2] for k in range(len(qn) - 1)}
    return _mask([normalise(c) or c for c in text], pairs)


def figure_only(shown: str, question: str) -> str:
    """For a question asking for a figure: the clause without the words that only repeat the question, when
    what is left starts with the figure and keeps its unit ("医院将于2月18日前完工投入使用" asked "哪天完工投入
    使用" → "2月18日前"). Left as it is when a negation or exemption would go (不得, 免征…)."""
    mask = restated_mask(shown, question)
    n = len(shown)
    i = 0
    while i < n and (mask[i] or shown[i] in TRAILING):
        i += 1
    j = n
    while j > i and (mask[j - 1] or shown[j - 1] in TRAILING + "。"):
        j -= 1
    core = shown[i:j].rstrip(TRAILING)
    if (i == 0 or len(core) < 2 or core[-1] in DIGITS or shown[i - 1] in DIGITS or HEADING.match(core)
            or not re.match(r"(约|近|超过|逾|共)?[0-9０-９一二三四五六七八九十两]", core) or NEGATION.search(shown[:i])
            or NEGATION.search(shown[j:])):
        return shown
    return core


def concise(question: str, passage: str) -> Concise:
    """The sentence or sentences of `passage` that answer `question` (the whole passage when it is short)."""
    text = passage.strip()
    if not question.strip():
        return Concise(text, True)
    if len(text) <= SHORT_PASSAGE:
        only = asked_only(text, question)  # a short passage is shown whole, unless what is asked for stands out
        return Concise(only, only == text)
    reading = _Reading(question, passage)
    if not reading.ps:
        return Concise(text, True)
    if max(reading.coverage(g) for g in reading.seg_grams) < UNSURE:
        return Concise(text, True)
    if len(text) <= CONDITIONS_WHOLE and CONDITIONS.search(question):
        return Concise(text, True)  # every condition or document asked for, never a selection
    shown = reading.answer().strip()
    return Concise(shown, shown == text.rstrip(TRAILING)) if shown else Concise(text, True)


def bracket_rows(text: str) -> int:
    """How many table rows (a bracket with its amount) the text has."""
    return sum(1 for p in pieces(text) if _bracket(text[p.start:p.end]) is not None)


def _whole_table(answer: Answer, doc_id: str, text: str) -> Optional[Hit]:
    """When the answer found is one row of a bracket table the question did not pin (an FAQ about 85岁 for
    “高龄津贴每月多少钱”), the hit of the same document that holds the whole table."""
    if QUESTION_NUMBER.search(normalise(answer.query)) or bracket_rows(text) != 1:
        return None
    for hit in answer.hits:
        if hit.doc_id == doc_id and any(t1 - t0 >= 2 for t0, t1 in tables(hit.text, pieces(hit.text))):
            return hit
    return None


def shown(answer: Answer) -> Optional[Shown]:
    """What the chat shows for a search answer: the curated FAQ answer verbatim when one matched, else the
    concise part of the best passage (with the whole passage behind it); None when nothing was found.
    An answer that is one row of a table the question did not pin gives way to the whole table.
    The question read is the one searched (a follow-up carries its document's title)."""
    if answer.faq is not None:
        table = _whole_table(answer, answer.faq.doc_id, answer.faq.answer)
        if table is None:
            return Shown(answer.faq.answer, answer.faq.citation)
        hit: Optional[Hit] = table
    else:
        hit = answer.hits[0] if answer.hits else None
        if hit is not None:
            hit = _whole_table(answer, hit.doc_id, hit.text) or hit
    if hit is None:
        return None
    part = concise(answer.query, hit.text)
    return Shown(part.text, hit.citation, None if part.whole else hit.text.strip())



# ---- the words that answer, inside the clause ----------------------------------------------------------------

WH = re.compile(r"多少[钱个家所人天项条次批种类户名元亿万]?|几[个家所人天项条次批种类方面岁年月号户名]*|什么时候|什么时间|什么|哪些|哪个|"
                r"哪几[个种类项家方面]*|哪里|哪儿|哪|何时|何种|何处|何地|如何|怎么样|怎么|怎样|谁|多久|多长时间|多长|多大|多高")
# Questions for one thing (a figure, a date, a place, a name): its answer can stand alone.
SLOT_WH = re.compile(r"多少|(?<!哪)几|多久|多长|多大|多高|何时|什么时候|什么时间|哪个|哪里|哪儿|何处|何地|谁|哪天|哪一天")
SLOT_INSIDE = 2.0  # a question character inside the answer costs this many outside it
SLOT_LOOSE = 6  # characters that are not the question's and may go on each side of the answer, inside its clause
SLOT_NEAR = 3  # characters between the question's words and the answer (达, 已有)
FIGURE_FIRST = re.compile(r"(约|近|超过|逾|共|不超过|不少于|不低于|最高|最多|至少|达|已有|有|为|每)?[0-9０-９一二三四五六七八九十两百千]")
NUMBER_CHARS = frozenset("0123456789０１２３４５６７８９.．%％")
UNIT_AFTER = frozenset("%％万亿千百元个月日号年时分秒岁户家人名条项件只次倍")
LIST_MARKS = "、/和及与或"  # what joins items: an answer never takes some of them
_NOT_WORD_CHAR = re.compile(r"[\W_]")
NUMBERING = re.compile(r"\s*(第[" + _CN + r"\d]+[章条节]\s*|[" + _CN + r"]+[、是]|[（(][" + _CN + r"\d]+[)）]\s*|\d{1,2}(?:[、．]|\.(?!\d)))")
HEADING_LINE = re.compile(r"[^\s，,；;。！？!?：:（(“]{2,12}[\s\u3000]+(?=[^\s“”‘’\"《（(【\[])")  # a short label on its own before the text
PURPOSE = re.compile(r"^(确保|以便|以|为了|避免|从而|努力|力争)")
ASKS_PURPOSE = re.compile(r"为什么|为何|目的|为了")
GOVERNS = "对向为把将由从给与和及跟被让"  # a word that governs what follows: the words after it stay with it
COMPLEMENT = "至到"  # 延长至2月28日: the verb stays with its complement
REPEAT_MIN = 4  # characters of the question's words at the start worth dropping
# How a predicate starts (a modal, an adverb of time or manner): what the question's words before it name is the
# subject the question already gave.
PREDICATE = re.compile(r"可以|可|应当|应|必须|须|需要|需|要|将|已经|已|均|都|也将|也|正在|正|继续|进一步|全面|严格|依法|统一|"
                       r"坚持|采取|实行|开展|推行|通过|按照|依据|根据|分为|分|包括|主要|重点")


def _pairs(text: str) -> Set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1)
            if not (_NOT_WORD_CHAR.match(text[k]) or _NOT_WORD_CHAR.match(text[k + 1]))}


def _mask(chars: Sequence[str], pairs: Set[str]) -> List[bool]:
    out = [False] * len(chars)
    for k in range(len(chars) - 1):
        if chars[k] + chars[k + 1] in pairs:
            out[k] = out[k + 1] = True
    return out


def slot(shown: str, question: str) -> str:
    """What stands in the text where the question has its question word: the question's words before it and after
    it are found in the text, and what lies between is the answer ("江苏省每天有多少名交通干部…" over "…每天有4.4万名
    交通干部…" → "4.4万名"). Only the question's own words and a connective (达, 已有) go from the answer's clause,
    other clauses only whole; never part of a number, a bracket or a quotation, never an item of a list, never a
    negation or exemption, a condition the question did not state or an exception that follows. Unsure: unchanged."""
    qn = normalise(question)
    m = WH.search(qn)
    if m is None:
        return shown
    left, right = _pairs(qn[:m.start()]), _pairs(qn[m.end():])
    chars = [normalise(c) or c for c in shown]
    n = len(chars)
    ml, mr = _mask(chars, left), _mask(chars, right)
    both = [x or y for x, y in zip(ml, mr)]
    cl, cb, cr = [0] * (n + 1), [0] * (n + 1), [0] * (n + 1)
    for k in range(n):
        cl[k + 1] = cl[k] + ml[k]
        cb[k + 1] = cb[k] + both[k]
    for k in range(n - 1, -1, -1):
        cr[k] = cr[k + 1] + mr[k]
    starts = [0] + [k for k in range(1, n) if ml[k - 1] and not ml[k]]
    ends = [k for k in range(1, n) if mr[k] and not mr[k - 1]] + [n]
    best: Optional[Tuple[float, int, int]] = None
    for i in starts:
        for j in ends:
            if j > i:
                score = cl[i] + cr[j] - SLOT_INSIDE * (cb[j] - cb[i])
                if best is None or score > best[0] or (score == best[0] and j - i < best[2] - best[1]):
                    best = (score, i, j)
    if best is None or best[0] <= 0:
        return shown
    _, i, j = best
    # the question's words on either side of its question word, when the text has them, stand next to the answer
    before = bool(_pairs(strip_question_words(qn[:m.start()]))) and any(ml)
    after = bool(_pairs(strip_question_words(qn[m.end():]).rstrip("？?。！!呢吗 "))) and any(mr)
    near = i > 0 and any(ml[max(0, i - SLOT_NEAR):i])
    if (before and not near) or (after and (j == n or not mr[j])) or (i > 0 and not near):
        return shown
    if j < n and not mr[j] and shown[j] not in TRAILING + "。":
        return shown
    # and the words right next to the question word are the ones right next to the answer
    tail = _pairs(_bare(strip_question_words(qn[:m.start()]))[-3:])
    head = _pairs(strip_question_words(qn[m.end():]).strip("？?。！!呢吗 ")[:3])
    if ((before and tail and not tail & _pairs("".join(chars[max(0, i - SLOT_NEAR - 2):i])))
            or (after and head and not head & _pairs("".join(chars[j:j + 4])))):
        return shown
    return _settle(shown, question, i, j, both)


def _settle(shown: str, question: str, i: int, j: int, restated: Sequence[bool]) -> str:
    """shown[i:j] widened to whole numbers, brackets and quotations, or shown itself when taking it would drop
    more than the question's words, a list item, a negation, a condition or an exception."""
    n = len(shown)
    while i > 0 and (shown[i - 1] in NUMBER_CHARS or (shown[i - 1] in ",，" and i > 1 and shown[i - 2] in DIGITS)) \
            and (shown[i] in NUMBER_CHARS or shown[i] in UNIT_AFTER):
        i -= 1
    while j < n and (shown[j] in NUMBER_CHARS or (shown[j] in UNIT_AFTER and shown[j - 1] in DIGITS)):
        j += 1
    opened: List[int] = []
    for k in range(n):
        if shown[k] in OPEN:
            opened.append(k)
        elif shown[k] in CLOSE and opened:
            o = opened.pop()
            if o < i <= k or o < j <= k:
                return shown  # the question's words inside a title or a quotation stand next to nothing
    while i < j and shown[i] in TRAILING + "。、":
        i += 1
    if 0 < i < n and shown[i] in COMPLEMENT:
        i = previous_word(shown, i)
    core = shown[i:j].rstrip(TRAILING + "、。")
    if len(core) < 2 or any(c in core for c in "，,；;。！？!?：") or core[0] == "的" or core[-1] == "的":
        return shown
    if FIGURE_QUESTION.search(question) and NUMBER.search(shown) and not FIGURE_FIRST.match(core):
        return shown  # asked for a figure: the answer starts with it
    ps = pieces(shown)
    lo = max((p.start for p in ps if p.start <= i), default=0)
    hi = min((p.end for p in ps if p.end >= j), default=n)
    for part, offset in ((shown[lo:i], lo), (shown[j:hi], j)):
        if sum(1 for k, ch in enumerate(part) if not restated[offset + k] and not _NOT_WORD_CHAR.match(ch)) > SLOT_LOOSE:
            return shown  # more than the question's words and a connective would go
    if (any(p.stop == "semi" and (p.end <= i or p.start >= j) for p in ps[:-1])
            or any(c in LIST_MARKS for c in shown[lo:i] + shown[j:hi])):
        return shown  # never an item out of a list
    if any(NEGATION.match(shown[k]) and not restated[k] for k in list(range(i)) + list(range(j, n))):
        return shown
    q = grams(strip_question_words(normalise(question)))
    left = shown[:i]
    for p in pieces(left):
        t = _bare(left[p.start:p.end])
        if p.stop == "clause" and t and QUALIFIER.search(t) and len(grams(t) - q) >= FRESH:
            return shown  # a condition the question did not state
    if EXCEPTION.search(_bare(shown[j:]).lstrip("，,；;")):
        return shown
    return core


def unnumbered(text: str) -> str:
    """The text without the list number it starts with (“二、”, “（三）”, “4.”, “五是”): a label of the document's
    structure, not part of the answer."""
    m = NUMBERING.match(text)
    if m is None or m.end() >= len(text) or text[m.end()] in TRAILING + "。":
        return text
    return text[m.end():].lstrip()


# A news dateline (新华社北京2月14日电（记者 某某）) or a page's byline (重庆日报2020-02-21 07:35:17) before the text.
DATELINE = re.compile(r"\s*(?:\[\s*详细\s*\]\s*)?(?:[^，。\s]{0,12}?(?:社|网|报|台)[^，。\s]{0,8}?\d{1,2}月\d{1,2}日电\s*"
                      r"(?:[（(][^）)]{0,20}[）)])?|[^，。\s]{2,8}\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?)\s*")
# Who answers for a measure, in a bracket after it: （责任单位：市农业农村局…）, （省农业农村厅、省畜牧局）; one
# department alone in a bracket may be an alias (区人社局（区就业中心）) and stays.
RESPONSIBLE = re.compile(r"\s*[（(](?:(?:责任|牵头|配合)单位[：:][^）)]*|[^）)：:，,。]{2,40}(?:局|厅|委|办|部|院|会|中心)"
                         r"(?:[、，,][^）)：:，,。]{2,20}(?:局|厅|委|办|部|院|会|中心))+)[）)]\s*[。.]?\s*$")
# Who said it, before a colon: “…副局长某某明确：”, “…发布的管理要求明确:”.
SAID = re.compile(r"[^：:（(“\n]{2,40}?(?:明确|表示|指出|强调|介绍|声称|透露)\s*[：:]\s*")  # never 名称：, 说明：
BYLINE_REST = 10  # characters that must be left after a dateline, a bracket or a speaker goes


def without_byline(shown: str) -> str:
    """The answer without a news dateline before it, the departments answering for it in a bracket after it, and
    who said it before a colon: none of them answers."""
    for pattern in (DATELINE, SAID):
        m = pattern.match(shown)
        if m and len(shown) - m.end() >= BYLINE_REST:
            shown = shown[m.end():]
    m = RESPONSIBLE.search(shown)
    if m and m.start() >= BYLINE_REST:
        shown = shown[:m.start()]
    return shown


def without_heading(shown: str) -> str:
    """The answer without a short label it starts with, set apart by a space (“支持对象 受到…”)."""
    m = HEADING_LINE.match(shown)
    if m is None or len(shown) - m.end() < 10:
        return shown
    return shown[m.end():]


def without_purpose(shown: str, question: str) -> str:
    """The answer without a last clause that only says what for (“…受理专窗，确保物资通关零延时”), unless the
    question asks what for; a clause with a negation the question does not have stays."""
    ps = pieces(shown)
    if len(ps) < 2 or ps[-2].stop != "clause" or ASKS_PURPOSE.search(question):
        return shown
    last = shown[ps[-1].start:ps[-1].end].strip()
    qn = normalise(question)
    if PURPOSE.match(last) is None or any(NEGATION.match(c) and c not in qn for c in last):
        return shown
    out = shown[:ps[-2].end].strip().rstrip(TRAILING)
    return out if len(grams(out) - grams(strip_question_words(qn))) >= SHOWN_FRESH else shown


def without_restated_tail(shown: str, question: str) -> str:
    """The answer without a last clause made of the question's own words (“…作出突出贡献的企业，在经营业绩考核中予以加分
    奖励” asked “哪些企业可在经营业绩考核中予以加分奖励”): what precedes it answers. A negation stays."""
    ps = pieces(shown)
    if len(ps) < 2 or ps[-2].stop != "clause":
        return shown
    qn = normalise(question)
    q = grams(strip_question_words(qn))
    last = _bare(shown[ps[-1].start:ps[-1].end])
    if (len(grams(last) - q) >= FRESH or any(NEGATION.match(c) and c not in qn for c in last)
            or QUALIFIER.search(_bare(shown[ps[-2].start:ps[-2].end]))):
        return shown  # something new, a negation, or a condition that governs it
    out = shown[:ps[-2].end].strip().rstrip(TRAILING)
    return out if len(grams(out) - q) >= SHOWN_FRESH else shown


LEAD_RESTATED = 0.6  # share of a leading clause's character pairs the question has: the question already said it
LEAD_FRESH = 5  # ... and fewer new pairs than this


def without_restated_lead(shown: str, question: str) -> str:
    """The answer without leading clauses that say again what the question said (“对在疫情期间…积极复工复产的企业和新开工
    的项目，利用…专项资金，给予适当补助” asked “海东市对…复工复产的企业和新开工的项目有何政策” → “利用…给予适当补助”): at
    least the last clause stays; a clause with a figure or a negation the question does not have stays, and so does all
    that follows it."""
    ps = pieces(shown)
    qn = normalise(question)
    q = grams(strip_question_words(qn))
    asked_numbers = set(re.findall(r"\d+(?:\.\d+)?", qn))
    k = 0
    while k < len(ps) - 1 and ps[k].stop == "clause":
        t = _bare(shown[ps[k].start:ps[k].end])
        g = grams(t)
        if (not g or len(g & q) / len(g) < LEAD_RESTATED or len(g - q) >= LEAD_FRESH
                or any(x not in asked_numbers for x in re.findall(r"\d+(?:\.\d+)?", normalise(t)))
                or any(NEGATION.match(c) and c not in qn for c in t)):
            break
        k += 1
    return shown[ps[k].start:].strip() if k else shown


def unrepeated(shown: str, question: str) -> str:
    """The answer without the words at its start that only repeat the question (“健康证明可以通过…” asked “健康证明
    申报渠道有哪些” → “可以通过…”): whole words only, inside the first clause, never part of a number or a bracket;
    kept when a word that governs what follows (对, 向, 由…) would go, or what is left starts with 的."""
    mask = restated_mask(shown, question)
    k = 0
    while k < len(shown) and mask[k]:
        k += 1
    if k < REPEAT_MIN or k >= len(shown) - 4 or any(c in OPEN + CLOSE for c in shown[:k + 1]):
        return shown
    if shown[k] in COMPLEMENT:
        k = previous_word(shown, k)
    if (k == 0 or shown[k - 1] in DIGITS or shown[k - 1] in GOVERNS or any(c in "，,；;。" for c in shown[:k])
            or not PREDICATE.match(shown, k)):
        return shown
    return shown[k:]



def previous_word(text: str, k: int) -> int:
    """Where the verb before position k starts: the two characters before it (延长, 提高, 推迟), when they are
    word characters."""
    start = k
    while start > max(0, k - 2) and not _NOT_WORD_CHAR.match(text[start - 1]) and text[start - 1] not in DIGITS:
        start -= 1
    return start if k - start == 2 else k


# ---- the figure a question asks for --------------------------------------------------------------------------

# 多少所, 几个, 多少万: the classifier after the question word names the unit of the answer.
FIGURE_ASKED = re.compile(r"(?:多少|(?<!哪)几)(万|亿)?(人次|小时|方面|[个家所人天项条次批种类户名元件只台辆起倍吨亩座场])?")
SHARE_ASKED = re.compile(r"(率|比例|占比)(?:为|是|达到|达|有)?多少|[多少]+[%％]")
PHONE_ASKED = re.compile(r"电话|热线|号码")
DATE_ASKED = re.compile(r"何时|什么时候|什么时间|哪天|哪一天|几月几日|日期")
# A figure as written: a qualifier that changes its meaning (超过, 约, 最高…), the number, its unit.
_LIMIT = r"(?:约|近|超过|逾|达到|达|共计|共|累计|不超过|最高|最多|至少|不少于|不低于|仅)?"
_LIMIT_WORDS = r"最高|最多|不超过|不高于|上限|封顶"  # a cap
_AMOUNT = r"(?:\d[\d,，.．]*\d|\d|[一二三四五六七八九十两百千]+)"
_UNIT = (r"(?:多|余)?(?:万|亿|千|百)*(?:%|％|元|人次|人|户|家|所|个|条|项|件|只|台|辆|起|次|倍|吨|亩|天|小时|年|个月|月|日|号|名|"
         r"方面|类|种|批|座|场|床|张|份|箱|万)?")
FIGURE_WRITTEN = re.compile(_LIMIT + _AMOUNT + _UNIT)
FIGURE_UNIT_END = re.compile(r"[%％元人户家所个条项件只台辆起次倍吨亩天时年月日号名面类种批座场床张份箱万亿]$")
PHONE_WRITTEN = re.compile(r"\d{3,4}[-－—]+\d{5,8}|\d{5,}")
DATE_WRITTEN = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:[（(][^）)]{0,16}[）)])?(?:前|起|后)?|\d{4}年\d{1,2}月")
BARE_DATE = re.compile(r"\d{4}年|(?:\d{4}年)?\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月")
CHANGE_VERB = re.compile(r"延长|推迟|顺延|延期|提高|降低|增加|减少|调整|放宽|扩大|缩短|截止|下调|上调|下降|上升|提升|增长|提前")  # 延长至…
NOT_A_LIMIT = re.compile(r"达到|达|共计|共|累计")  # says nothing about the figure: it goes
# A run of figures joined by these is one answer (three phone numbers, a range 5%到8.4%).
JOINS = ("、", "，", ",", "和", "及", "或", " ", "至", "到", "-", "－", "—", "～", "~")
# A caveat the answer is given with (据第三方资料, 以当期公布为准): it stays, so the whole text does.
HEDGE = re.compile(r"为准|第三方|有来源称|据称|仅供参考|暂定|待定|另行通知|尚未")
LIST_JOIN = re.compile(r"[、，, 和及或]")  # figures joined by these are several answers, not a range
# What makes a figure a bound or a rate, standing just before it: never dropped.
BOUND_BEFORE = re.compile(r"(?:最高|最多|最低|最少|不超过|不高于|不低于|不少于|至少|上限|下限|超过|约|近)[^\d，,。；;：:]{0,3}$")
RATE_BEFORE = re.compile(r"(?:每[\u4e00-\u9fff]{1,3}?){1,3}$")
PER_AFTER = re.compile(r"\s*[/／][\u4e00-\u9fff]{1,3}")
UNKNOWN_MEASURES = "步号轮期档级层遍趟回代届"  # 几步, 几号, 几档: what they count is not a figure read here
TIME_UNIT = re.compile(r"(年|月|日|天|小时|号|周|岁)$")
COMPARES = re.compile(r"差|各|分别|相比|比较|区别|不同|哪个多|哪个高")  # 差多少, 各是多少: more than one figure answers
BOUND_WORD = re.compile(_LIMIT_WORDS)
RANGE_ON = re.compile(r"\s*(?:至|到|-|－|—|～|~)\s*[0-9０-９一二三四五六七八九十]")
RANGE_BACK = re.compile(r"[0-9０-９][^\s，,。；;]{0,3}(?:至|到|-|－|～|~)\s*$")
ASKS_WHERE = re.compile(r"多少|(?<!哪)几|电话|热线|号码|何时|什么时候|什么时间|哪天|哪一天|日期|比例|占比|率")
QUESTION_CONTEXT = 6  # characters of the question on each side of where it asks
FIGURE_CONTEXT = 8  # characters on each side of a figure, inside its clause, read for the question's words
_CLAUSE_STOP = re.compile(r"[，,。；;、（）()：:！？!?\s]")


def _word_pairs(text: str) -> Set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1) if not _NOT_WORD_CHAR.search(text[k:k + 2])}


def _figures(shown: str, question: str) -> Optional[Tuple[List[Tuple[int, int]], re.Pattern[str]]]:
    """The runs of figures of the kind the question asks for that the question does not have, and how that kind is
    written (an amount, a date, a phone number); None when the question asks for no figure."""
    qn = normalise(question)
    asked = FIGURE_ASKED.search(qn)
    unit: Optional[str] = None
    if PHONE_ASKED.search(qn):
        written = PHONE_WRITTEN
    elif DATE_ASKED.search(qn):
        written = DATE_WRITTEN
    elif SHARE_ASKED.search(qn):
        written, unit = FIGURE_WRITTEN, "%"
    elif asked is not None:
        written, unit = FIGURE_WRITTEN, asked.group(2) or asked.group(1)
        measure = qn[asked.end():asked.end() + 1]
        if unit is None and measure == "钱":
            unit = "元"
        elif unit is None and measure and measure in UNKNOWN_MEASURES:
            return None  # 几步, 几号: a measure this reading does not know
    else:
        return None
    found: List[Tuple[int, int]] = []
    for m in written.finditer(shown):
        t = m.group(0).rstrip(",，.．")
        if not NUMBER.search(t) or t in qn or normalise(t) in qn:
            continue
        if written is FIGURE_WRITTEN and (FIGURE_UNIT_END.search(t) is None or BARE_DATE.fullmatch(t)
                                          or (unit and not t.endswith(unit) and not (unit == "%" and t[-1] == "％"))
                                          or (unit is None and TIME_UNIT.search(t))):
            continue  # a bare 多少 asks for an amount, not a period (奖多少 is never 一年)
        found.append((m.start(), m.start() + len(t)))
    runs: List[Tuple[int, int]] = []
    for s, e in found:
        if runs and shown[runs[-1][1]:s] in JOINS:
            runs[-1] = (runs[-1][0], e)
        else:
            runs.append((s, e))
    return runs, written


def _unit(figure: str) -> str:
    """What a figure counts, by its last character (% and ％ alike)."""
    return "%" if figure[-1] in "%％" else figure[-1]


def asked_figure(shown: str, question: str) -> str:
    """For a question asking for one figure (多少所, 几个, 比例, 电话, 何时), just that figure with its unit and what
    qualifies it (超过99.6%, 500多万元, 最高可贷500万元, 每人每课时10元, 1000元/月; phone numbers joined by 、 and a range
    are one answer), when it is the only figure of its kind in the answer and the question's words stand next to it
    ("有多少所医疗机构" over "…在212所医疗机构开设…" → "212所"); among figures of different kinds, the one next to the
    words the question has right by its question word. A verb before 至/到 stays with it ("延长至2月28日").
    Unchanged when the question asks how or why, to compare (差多少, 各是多少) or for two figures; when two figures
    of one kind could answer (主板1000万元, 科创板500万元: the text says which, a guess may be wrong), when another is a
    cap (最高300万元), the figures are tiers (30万元、20万元、10万元) or a range of dates; when the figure is not of the
    kind asked (额度 → 110%); when a condition the question did not state comes before it (截至…, 对…的), an exception
    after it, a negation next to it, a caveat anywhere (以…为准, 第三方资料), or when the text has a table row."""
    counted = FIGURE_ASKED.search(normalise(question))
    if ((EXPLAIN.search(question) and not (counted and counted.group(2))) or bracket_rows(shown)
            or COMPARES.search(question) or HEDGE.search(shown) or len(FIGURE_ASKED.findall(normalise(question))) > 1):
        return shown  # asked how or why (多少条措施 asks a count), to compare, for two figures, a table row, with a caveat
    found = _figures(shown, question)
    if not found or not found[0]:
        return shown
    runs, written = found
    qn = normalise(question)
    asked_words = _word_pairs(strip_question_words(qn))
    where = ASKS_WHERE.search(qn)
    left = _word_pairs(strip_question_words(qn[max(0, where.start() - QUESTION_CONTEXT):where.start()])) if where else set()
    right = _word_pairs(strip_question_words(qn[where.end():where.end() + QUESTION_CONTEXT])) if where else set()

    def before(s: int) -> Set[str]:  # a signature's date stands apart from its sender by spaces only
        return _word_pairs(normalise(_CLAUSE_STOP.split(shown[:s].rstrip()[-FIGURE_CONTEXT:])[-1]))

    def after(e: int) -> Set[str]:
        return _word_pairs(normalise(_CLAUSE_STOP.split(shown[e:].lstrip()[:FIGURE_CONTEXT])[0]))

    def fit(run: Tuple[int, int]) -> Tuple[int, int]:
        """The question's words right next to its question word next to the figure, then any of its words."""
        s, e = run
        return len(left & before(s)) + len(right & after(e)), len(asked_words & (before(s) | after(e)))

    ranked = sorted(runs, key=fit, reverse=True)
    s, e = ranked[0]
    if len(ranked) > 1 and (fit(ranked[0]) == fit(ranked[1]) or fit(ranked[0])[0] == 0
                            or any(_unit(shown[a:b]) == _unit(shown[s:e]) for a, b in ranked[1:])):
        return shown  # 主板1000万元, 科创板500万元: figures of one kind are the text's to choose between, not a guess
    kind = figure_kind(question)
    if fit(ranked[0])[1] == 0 or (kind is not None and not kind.search(shown[s:e])):
        return shown  # nothing of the question next to it, or not the kind of figure asked for (额度 → 110%)
    unit_of = _unit(shown[s:e])
    if written is FIGURE_WRITTEN and LIST_JOIN.search(shown, s, e):
        return shown  # 30万元、20万元、10万元: tiers, not one answer (a range is one; phone numbers may be several)
    for m in FIGURE_WRITTEN.finditer(shown):
        other = m.group(0).rstrip(",，.．")
        if m.start() >= e or m.start() + len(other) <= s:  # another figure
            if not NUMBER.search(other) or other in qn or BARE_DATE.fullmatch(other) or not FIGURE_UNIT_END.search(other):
                continue
            if _unit(other) == unit_of or BOUND_BEFORE.search(shown, 0, m.start()) or BOUND_WORD.match(other):
                return shown  # another figure of the same kind, or a cap (最高300万元): all of it answers
    if RANGE_ON.match(shown, e) or (s > 0 and RANGE_BACK.search(shown, 0, s)):
        return shown  # 9月22日至26日: a range is shown whole
    q = grams(strip_question_words(qn))
    for p in pieces(shown[:s]):
        t = _bare(shown[p.start:p.end])
        if p.stop == "clause" and t and QUALIFIER.search(t) and len(grams(t) - q) >= FRESH:
            return shown  # a condition the question did not state
    if NEGATION.search(shown[max(0, s - 4):s]) or NEGATION.match(shown[e:e + 1]):
        return shown
    rest = pieces(shown[e:])
    if any(EXCEPTION.search(_bare(shown[e + p.start:e + p.end]).lstrip("，,；;")) for p in rest[1:]):
        return shown  # an exception follows
    if s > 2 and shown[s - 1] in COMPLEMENT and CHANGE_VERB.fullmatch(shown[s - 3:s - 1]):
        s -= 3  # 延长至2月28日: the verb stays with its complement
    else:
        limit = NOT_A_LIMIT.match(shown, s)
        s = limit.end() if limit else s
        for means in (BOUND_BEFORE, RATE_BEFORE):  # 单户最高可贷500万元, 每人每课时10元: what the figure means stays
            found_means = means.search(shown, 0, s)
            s = found_means.start() if found_means else s
    per = PER_AFTER.match(shown, e)  # 1000元/月
    return shown[s:per.end() if per else e]


def _unstated_condition(shown: str, start: int, end: int, question: str) -> bool:
    """A condition the question did not state comes before shown[start:end] (截至…, 对…的), or an exception after
    it (但…, 除…外), or a negation right before or after it."""
    q = grams(strip_question_words(normalise(question)))
    for p in pieces(shown[:start]):
        t = _bare(shown[p.start:p.end])
        if p.stop == "clause" and t and QUALIFIER.search(t) and len(grams(t) - q) >= FRESH:
            return True
    if NEGATION.search(shown[max(0, start - 4):start]) or NEGATION.match(shown[end:end + 1]):
        return True
    return any(EXCEPTION.search(_bare(shown[end + p.start:end + p.end]).lstrip("，,；;")) for p in pieces(shown[end:])[1:])


def asked_only(shown: str, question: str) -> str:
    """Just the figure or the items the question asks for, when they stand out (:func:`asked_figure`,
    :func:`listed_items`)."""
    figure = asked_figure(shown, question)
    return figure if figure != shown else listed_items(shown, question)


# ---- the items a question asks for ---------------------------------------------------------------------------

# 哪些车辆, 哪几个部门, 哪3个居民区, 都有啥: the question asks for the members of a list.
ITEMS_ASKED = re.compile(r"(哪些|哪几|哪[0-9一二三四五六七八九十两]+|有啥)(个|种|类|项|家|所|条|批|大)?")
# What the question's noun phrase stops at (a particle, a modal, a verb).
HEAD_ENDS = re.compile(r"的|是|在|能|可|会|将|进行|给予|开展|提供|做|有|为|被|由|需要")
# Nouns that name measures or duties, not things: their answer is clauses, never a list of names.
ABSTRACT_HEAD = re.compile(r"政策|工作|做法|服务|要求|方式|准备|措施|义务|意见|问题|内容|规定|办法|举措|优惠|支持|帮助|行动|作用")
ITEM_LEAD = "有为对在即是含括盖向：:"  # what may stand right before the first item (主要有大白菜、…)
ITEM_REACH = 16  # characters before the first 、 searched for where the first item starts
HEAD_GAP = 6  # characters allowed between 等 (and its count) and the question's noun (等日常高频涉税事项)
LIST_END = re.compile(r"等(?:[0-9一二三四五六七八九十两]+[个种类项家所条批大]*)?")
_CLAUSE_END = re.compile(r"[，,。；;！？!?]")
_ITEM_BREAK = re.compile(r"[，,。；;：！？]|:(?!//)")  # a clause mark between two 、 (a URL's colon is none)


def _enumerations(shown: str) -> List[List[int]]:
    """The positions of the 、 outside brackets and quotations, grouped by the clause they are in (longest first)."""
    depth, marks = 0, []
    for k, ch in enumerate(shown):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        elif ch == "、" and depth == 0:
            marks.append(k)
    groups: List[List[int]] = []
    for k in marks:
        if groups and not _ITEM_BREAK.search(shown[groups[-1][-1]:k]):
            groups[-1].append(k)
        else:
            groups.append([k])
    return sorted(groups, key=len, reverse=True)


def listed_items(shown: str, question: str) -> str:
    """For a question asking which things (哪些车辆, 哪几个部门), the list that names them, through its 等 and the
    question's noun ("优先保障救护车辆、防疫车辆和…民生物资等车辆通行" asked "保障哪些车辆" → "救护车辆、防疫车辆和…民生物资等
    车辆"): the list's last item is followed by 等 and the question's noun phrase (its first two characters, then as
    far as the text goes on with the question's words), its first item starts right after the
    question's words or a lead (有, 为, 对, 在, 包括…). Unchanged when the question asks how or for measures, duties or
    services (their answer is clauses), and never without an unstated condition, an exception or a negation."""
    qn = normalise(question)
    asked = ITEMS_ASKED.search(qn)
    if asked is None or EXPLAIN.search(question) or HEDGE.search(shown):
        return shown
    phrase = re.split(r"[？?，,。！!\s]", strip_question_words(qn[asked.end():]).strip())[0]
    phrase = HEAD_ENDS.split(phrase)[0]
    if len(phrase) < 2 or ABSTRACT_HEAD.search(phrase):
        return shown
    noun = phrase[:2]
    mask = restated_mask(shown, question)
    for marks in _enumerations(shown):
        after_last = marks[-1] + 1
        stop = _CLAUSE_END.search(shown, after_last)
        clause = shown[after_last:stop.start() if stop else len(shown)]
        listed = LIST_END.search(clause)
        if listed is None:
            continue
        gap = clause.find(noun, listed.end())
        if gap < 0 or gap - listed.end() > HEAD_GAP:
            continue
        end, said = after_last + gap + len(noun), len(noun)
        while end < len(shown) and said < len(phrase) and normalise(shown[end]) == phrase[said]:
            end, said = end + 1, said + 1  # the rest of the question's noun phrase (医疗防控物资)
        start = None
        for k in range(marks[0] - 1, max(-1, marks[0] - ITEM_REACH), -1):
            if shown[k] in TRAILING + "。":
                start = k + 1
            elif k > 0 and marks[0] - k >= 2 and ((mask[k - 1] and not mask[k]) or shown[k - 1] in ITEM_LEAD):
                start = k
            if start is not None:
                break
        if start is None or _unstated_condition(shown, start, end, question):
            continue
        items = shown[start:end].strip()
        return items if len(items) >= 4 else shown
    return shown
