"""政策文件导办 and 补贴事项导办: browsing the corpus by policy file and by category.

The catalogue is read from the corpus documents: every document with a ``policy_file`` belongs to that file,
every policy document to its ``category``. The corpus records no item's position inside its file (an item's
``articles`` are the item's own structure, not the file's), so **"the file's order" is the document id order**
(ENT-007, ENT-008, ENT-009, ENT-010 for 《深圳市龙华区加快发展总部经济实施办法》); a category lists its
enterprise items, then its citizen items, each in id order (ids run 龙华区, 深圳市, then other districts).

:func:`recognise` tells a browsing request ("人才方面有哪些补贴", "《…若干措施》里有哪些补贴",
"深龙华府规〔2021〕7号有哪些扶持") from a question about one policy's content ("专精特新有什么奖励") and from asking
what the user can get ("我们公司能申请哪些补贴"): a file or a category named, a request for the list, nothing
about the user's own fit. :func:`listing` says the list (title and benefit, at most :data:`PAGE` items, then
查看更多), with ✓/✗/？ for each item when the caller knows the user's fit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from knowledge.corpus import DEFAULT_CORPUS, load_corpus
from knowledge.schema import UNKNOWN, Document
from search.textproc import normalise

PAGE = 8  # items per reply; 查看更多 shows the next ones
FIT_MARK = {"eligible": "✓", "not_eligible": "✗", "needs_information": "？"}
FIT_LEGEND = "✓ 符合条件　✗ 暂不符合　？ 还需补充信息（按您数据账户中的信息判断）"


@dataclass(frozen=True)
class Item:
    """One policy item as a list shows it."""

    doc_id: str
    title: str
    short_title: str
    category: str
    audience: str
    kind: str
    mode: str
    benefit: str  # with its unit, or 金额以主管部门最新通知为准


@dataclass(frozen=True)
class PolicyFile:
    """A policy document (文件) and its items, in the file's order (document id order)."""

    title: str  # 《…》
    number: Optional[str]
    items: Tuple[Item, ...]

    @property
    def display(self) -> str:
        return self.title + (f"（{self.number}）" if self.number else "")


@dataclass(frozen=True)
class Topic:
    """A category as people ask for it: the corpus categories it covers and the everyday words for it."""

    name: str
    categories: Tuple[str, ...]
    words: Tuple[str, ...]
    # words that also name one policy ("专精特新", "上市"): "专精特新有什么奖励" asks about that policy; only an
    # explicit request for a list ("专精特新方面有哪些补贴") browses the category
    policy_words: Tuple[str, ...] = ()


# The categories people browse, with their everyday words (a word found later in the message wins a tie of
# length: "科技贷款贴息" is about 贴息). Corpus categories not listed here are services (证件, 户籍, 公积金…),
# reached by asking about them, not by browsing subsidies.
TOPICS: Tuple[Topic, ...] = (
    Topic("人才", ("人才", "人才补贴"), ("人才", "引才", "招才", "揽才", "招人", "引进人才", "人才引进")),
    Topic("科技创新", ("科技创新",), ("科技创新", "科技", "科创", "研发", "创新", "r&d")),
    Topic("稳岗就业", ("稳岗就业", "企业用工补贴", "就业创业", "就业与失业"),
          ("稳岗就业", "稳岗", "就业", "招工", "用工", "扩岗", "创业", "失业", "见习")),
    Topic("产业升级与技改", ("产业升级与技改",), ("产业升级与技改", "技改", "技术改造", "产业升级", "转型升级", "数字化转型")),
    Topic("专精特新与中小企业", ("专精特新与中小企业",), ("专精特新与中小企业", "中小企业", "专精特新"),
          policy_words=("专精特新",)),
    Topic("上市融资", ("上市融资",), ("上市融资", "融资", "上市", "挂牌", "股权投资"), policy_words=("上市", "挂牌")),
    Topic("金融贴息", ("金融贴息",), ("金融贴息", "贷款贴息", "贴息", "贴保", "贷款", "担保费"),
          policy_words=("贷款贴息", "贴息", "贴保")),
    Topic("商贸与消费", ("商贸与消费", "消费补贴"), ("商贸与消费", "商贸", "消费", "零售", "批发", "餐饮", "服务业")),
    Topic("外贸", ("外贸",), ("外贸", "出口", "进出口", "跨境", "出海")),
    Topic("知识产权", ("知识产权",), ("知识产权", "专利", "商标"), policy_words=("专利",)),
    Topic("养老服务", ("养老服务",), ("养老服务", "养老", "老人", "老年人", "高龄")),
    Topic("生育与育儿", ("生育与育儿",), ("生育与育儿", "生育", "育儿", "生孩子", "新生儿")),
    Topic("教育", ("教育",), ("教育", "上学", "学位", "幼儿园")),
    Topic("技能与培训", ("技能与培训",), ("技能与培训", "技能", "培训", "考证")),
    Topic("残疾人服务", ("残疾人服务",), ("残疾人服务", "残疾")),
    Topic("企业扶持", ("企业扶持",), ("企业扶持",)),
    Topic("其他", ("其他",), ()),
)

_SUBSIDY = r"(补贴|补助|资助|奖励|扶持|政策|津贴|优惠|支持|事项|项目|措施|贴息|条款)"
# an explicit request for a list
_LIST = re.compile(r"哪些|哪几|(几|多少)(个|项)(?=$|[\s？?吗呢啊]|" + _SUBSIDY + r")|都有什么|都有啥|有什么样的|清单|目录|列表|"
                   r"一览|汇总|列一下|列出|盘点|全部|所有|查看更多|还有什么|还有啥|(方面|类|领域|板块|相关)的?" + _SUBSIDY)
# "有什么补贴": a list for a category, a content question for a policy's name
_WHAT = re.compile(r"(有什么|有啥|啥)" + _SUBSIDY)
# asks about one policy's content, its window (the calendar's) or a 一件事 bundle's steps, not for a list
_CONTENT = re.compile(r"条件|材料|要求|流程|标准|步骤|资料|手续|怎么|如何|多少钱|什么时候|截止|期限|区别|资格|需要|证明|"
                      r"受理|开放申报|最近|这周|本周|本月|下个月|一件事|要办|办哪|办理哪|跑哪|要跑")
# asks what the user can get: matching's business
_FOR_ME = re.compile(r"能不能|可不可以|能否|可以申|能申|可申|可以报|能报|可报|可以领|能领|可领|能拿|可以拿|能享受|可以享受|可享受|"
                     r"符合|适合|"
                     r"够不够|有没有资格|帮.{0,3}(算|匹配|测)|匹配|测算|计算器|"
                     r"(我|咱|俺|本人|本公司|贵|自己).{0,6}(能|可以|可|够)")
_FILE_CUE = re.compile(r"《|》|文件|措施|办法|细则|规定|条例|规程|文号|第.{1,3}号")
_FILES = re.compile(r"(有哪些|都有什么|有什么|全部|所有)的?(政策)?文件|政策文件导办|按文件|文件(列表|清单|目录)")
_CATEGORIES = re.compile(r"(哪些|什么|全部|所有).{0,6}(类别|分类|种类|类型)|补贴事项导办|按类别|按分类")
_START = re.compile(r"第(\d{1,3})项起")
_BOOK = re.compile(r"《([^《》]{4,80})》")
_BRACKETS = re.compile(r"[\s《》〔〕\[\]【】()（）﹝﹞“”\"'‘’·、，,。:：]")
_ENTERPRISE = re.compile(r"企业|公司|单位|工厂|商户")
_CITIZEN = re.compile(r"个人|市民|居民|毕业生|大学生|老人|家庭|孩子|本人")
# words in every file title: they never tell one file from another
_GENERIC = re.compile(r"广东省|深圳经济特区|深圳市|深圳|[\u4e00-\u9fff]{2}区|关于|若干|措施|实施办法|实施细则|管理办法|操作规程|"
                      r"办法|细则|规定|条例|规程|高质量发展|高质量|发展|促进|推动|加快|支持|进一步|的")


@dataclass(frozen=True)
class Request:
    """What to list: ``file`` (``key`` its title), ``category`` (``key`` the topic's name), ``files``
    (the files), ``categories`` (the topics), ``unknown_file`` (``key`` the title as typed: not in the
    corpus), or ``choose_file`` (``keys``: several files fit the words)."""

    kind: str
    key: str = ""
    start: int = 0
    audience: Optional[str] = None
    keys: Tuple[str, ...] = ()


@dataclass
class Reply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    items: List[Item] = field(default_factory=list)  # the items shown


def amount_text(wan: float) -> str:
    """An amount in 万元 as people say it: 6000万元, 1.5万元, 1500元."""
    if wan >= 1:
        return f"{wan:g}万元"
    yuan = round(wan * 10000, 2)
    return f"{yuan:g}元"


def benefit_of(doc: Document) -> str:
    """The item's benefit with its unit: the largest amount the facts state, per month or year when the clause
    stating it says so, else 金额以主管部门最新通知为准. Never an amount the facts do not give."""
    wan = doc.benefit.max_amount_wan
    if not wan:
        return "金额" + UNKNOWN
    said = amount_text(wan)
    text = doc.benefit.text
    clause = next((c for c in re.split(r"[，；。：,;、]", text) if said in c), "")
    if re.search(r"每月|按月", clause) or (wan < 1 and re.search(r"每月|按月", text)):
        period = "每月"
    else:
        period = next((p for p in ("每学年", "每年") if p in clause), "")
    return f"{period}最高{said}"


def _item(doc: Document) -> Item:
    return Item(doc.id, doc.title, doc.short_title or doc.title, doc.category, doc.audience, doc.kind, doc.mode,
                benefit_of(doc))


def _order(doc: Document) -> Tuple[bool, str]:
    return doc.audience != "enterprise", doc.id


def _compact(text: str) -> str:
    return _BRACKETS.sub("", normalise(text))


def _distinctive(title: str) -> List[str]:
    """The parts of a file's title that tell it from other files (generic words removed), 3+ characters."""
    return [p for p in _GENERIC.split(_compact(title)) if len(p) >= 3]


def _longest_common(a: str, b: str) -> str:
    """The longest run of characters both texts have (the first of equal ones in ``a``)."""
    best, end = 0, 0
    prev = [0] * (len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, end = cur[j], i
        prev = cur
    return a[end - best:end]


class Catalogue:
    """The policy files and the browsable categories of one corpus."""

    def __init__(self, docs: Mapping[str, Document]):
        self.docs = dict(docs)
        files: Dict[str, List[Document]] = {}
        numbers: Dict[str, Optional[str]] = {}
        for doc in sorted(docs.values(), key=lambda d: d.id):
            if doc.policy_file is not None:
                files.setdefault(doc.policy_file.title, []).append(doc)
                numbers[doc.policy_file.title] = numbers.get(doc.policy_file.title) or doc.policy_file.number
        # enterprise files first (政策文件导办 is mostly theirs), each group by its first item's id
        ordered = sorted(files.items(), key=lambda kv: _order(kv[1][0]))
        self.files: Tuple[PolicyFile, ...] = tuple(
            PolicyFile(title, numbers[title], tuple(_item(d) for d in members)) for title, members in ordered)
        self._file_by_title = {f.title: f for f in self.files}
        present = {d.category for d in docs.values() if d.kind == "policy"}
        self.topics: Tuple[Topic, ...] = tuple(t for t in TOPICS if present.intersection(t.categories))
        self._topic_by_name = {t.name: t for t in self.topics}
        self._titles = {_compact(d.title): d.id for d in docs.values()}
        self._titles.update({_compact(a): d.id for d in docs.values() for a in (d.short_title, *d.aliases) if a})

    # ---- the catalogue ---------------------------------------------------------------------------------

    def file(self, title: str) -> Optional[PolicyFile]:
        return self._file_by_title.get(title)

    def topic(self, name: str) -> Optional[Topic]:
        return self._topic_by_name.get(name)

    def topic_items(self, name: str, audience: Optional[str] = None) -> List[Item]:
        """The policy items of a category: enterprise ones, then citizen ones, each in id order."""
        topic = self._topic_by_name.get(name)
        if topic is None:
            return []
        docs = sorted((d for d in self.docs.values() if d.kind == "policy" and d.category in topic.categories
                       and (audience is None or d.audience == audience)), key=_order)
        return [_item(d) for d in docs]

    def items(self, request: Request) -> List[Item]:
        if request.kind == "category":
            found = self.topic_items(request.key, request.audience)
            return found or self.topic_items(request.key)  # "企业" said, but the category is for citizens
        if request.kind == "file":
            policy_file = self.file(request.key)
            return list(policy_file.items) if policy_file else []
        return []

    # ---- recognising a browsing request ----------------------------------------------------------------

    def recognise(self, text: str) -> Optional[Request]:
        """The browsing request in ``text``, or None: not a request for a list of items (a question about
        one policy's content, asking what the user can get, anything else)."""
        t = normalise(text or "")
        if not t or t.startswith("/") or _FOR_ME.search(t):
            return None
        start_found = _START.search(t)
        start = max(int(start_found.group(1)) - 1, 0) if start_found else 0
        audience = "enterprise" if _ENTERPRISE.search(t) else "citizen" if _CITIZEN.search(t) else None
        listing, what = bool(_LIST.search(t)), bool(_WHAT.search(t))
        if _CONTENT.search(t) and not start_found:
            return None
        if _FILES.search(t):
            return Request("files")
        if _CATEGORIES.search(t):
            return Request("categories")
        if not (listing or what):
            return None
        by_file = self._file_request(t, listing, start)
        if by_file is not None:
            return by_file
        topic, word = self._topic_in(t)
        if topic is not None and (listing or word not in topic.policy_words):
            return Request("category", topic.name, start, audience)
        return None

    def _file_request(self, t: str, listing: bool, start: int) -> Optional[Request]:
        compact = _compact(t)
        for policy_file in self.files:  # its 文号, or its whole title
            if policy_file.number and _compact(policy_file.number) in compact:
                return Request("file", policy_file.title, start)
            if _compact(policy_file.title) in compact:
                return Request("file", policy_file.title, start)
        named = [m for m in _BOOK.findall(t) if _compact(m) not in self._titles]  # a 《title》 that is no item's
        cue = bool(_FILE_CUE.search(t))
        if not cue and self._topic_in(t)[0] is not None:
            return None  # "科技创新有哪些补贴" is the category, though a file is called 科技创新专项资金…
        scored = []
        for policy_file in self.files:
            members = {i.doc_id for i in policy_file.items}
            parts = _distinctive(policy_file.title)
            common = max((_longest_common(compact, p) for p in parts), key=len, default="")
            if len(common) < 4 and not (len(common) >= 3 and len(common) in {len(p) for p in parts}):
                continue
            # words that also name an item of another file ("高新技术企业认定有什么奖励") are that item's, unless
            # the message speaks of a file
            if not cue and any(common in name and doc_id not in members for name, doc_id in self._titles.items()):
                continue
            scored.append((len(common), len(_longest_common(compact, _compact(policy_file.title))), policy_file.title))
        if scored:
            top = max(s[:2] for s in scored)
            best_files = tuple(title for *score, title in scored if tuple(score) == top)
            if len(best_files) == 1:
                return Request("file", best_files[0], start)
            return Request("choose_file", keys=best_files)
        if named:
            return Request("unknown_file", f"《{named[0]}》")
        return None

    def _topic_in(self, t: str) -> Tuple[Optional[Topic], str]:
        """The category the message names: the longest word found; of equal ones the last in the message."""
        best: Tuple[int, int, Optional[Topic], str] = (0, -1, None, "")
        for topic in self.topics:
            for word in topic.words:
                at = t.rfind(word)
                if at >= 0 and (len(word), at) > best[:2]:
                    best = (len(word), at, topic, word)
        return best[2], best[3]

    # ---- what the assistant says -----------------------------------------------------------------------

    def listing(self, request: Request, fit: Optional[Mapping[str, str]] = None, page: int = PAGE,
                handling: Optional[Mapping[str, str]] = None) -> Reply:
        """The reply for a request: the list with buttons to drill into each item and 查看更多, the files or
        the categories to choose from. ``fit``: each item's match status for a bound user (✓/✗/？);
        ``handling``: how the administration runs each item (秒批, 免申即享: the eligibility service's
        configuration), else the document's own mode."""
        if request.kind == "files":
            return self._files_reply("可以按下面的政策文件查看其中的事项：", self.files)
        if request.kind == "categories":
            return self._categories_reply()
        if request.kind == "choose_file":
            chosen = [f for f in self.files if f.title in request.keys]
            return self._files_reply(f"有 {len(chosen)} 份文件与您说的相符，请选择：", chosen)
        if request.kind == "unknown_file":
            return self._files_reply(f"抱歉，暂未收录{request.key}中的事项。目前可以按下面的政策文件查看：", self.files)
        items = self.items(request)
        if not items:
            return self._categories_reply()
        start = min(request.start, max(len(items) - 1, 0))
        shown = items[start:start + page]
        if request.kind == "file":
            policy_file = self.file(request.key)
            assert policy_file is not None
            head = f"{policy_file.display}中的政策事项共 {len(items)} 项"
        else:
            head = f"{request.key}方面的补贴事项共 {len(items)} 项"
        head += "：" if start == 0 else f"，以下是第 {start + 1}–{start + len(shown)} 项："
        lines = [head]
        for n, item in enumerate(shown, start + 1):
            mark = FIT_MARK.get((fit or {}).get(item.doc_id, ""), "")
            note = {"免申即享": "，免申即享", "秒批": "，可秒批"}.get((handling or {}).get(item.doc_id) or item.mode, "")
            lines.append(f"{n}. {mark + ' ' if mark else ''}{_line_title(item)}：{item.benefit}{note}")
        if fit:
            lines.append(FIT_LEGEND)
        if start + page < len(items):
            lines.append(f"还有 {len(items) - start - page} 项，可以点“查看更多”。")
        lines.append("点选事项可查看申报条件和一键申报。" if fit else "点选事项可查看申报条件；登录后还能看到每项您是否符合条件。")
        buttons = [{"title": _button_title(item), "payload": drill_payload(item.doc_id)} for item in shown]
        if start + page < len(items):
            buttons.append({"title": "查看更多", "payload": more_payload(request, start + page)})
        return Reply("\n".join(lines), buttons, shown)

    def _files_reply(self, head: str, files: Sequence[PolicyFile]) -> Reply:
        lines = [head] + [f"{n}. {f.title}（{len(f.items)} 项）" for n, f in enumerate(files[:PAGE], 1)]
        if len(files) > PAGE:
            lines.append(f"另有 {len(files) - PAGE} 份文件，可以直接说文件名或文号。也可以按类别查看，例如“人才方面有哪些补贴”。")
        buttons = [{"title": _short(f.title.strip("《》"), 20), "payload": f"{f.title}里有哪些补贴"} for f in files[:PAGE]]
        return Reply("\n".join(lines), buttons)

    def _categories_reply(self) -> Reply:
        named = [t for t in self.topics if t.words]
        counts = {t.name: len(self.topic_items(t.name)) for t in named}
        lines = ["可以按下面的类别查看补贴事项：", "、".join(f"{t.name}（{counts[t.name]} 项）" for t in named)]
        buttons = [{"title": t.name, "payload": f"{t.name}方面有哪些补贴"} for t in named[:PAGE]]
        return Reply("\n".join(lines), buttons)


def _line_title(item: Item) -> str:
    """The title without a trailing （《file》） it repeats."""
    return re.sub(r"（《[^》]+》）$", "", item.title)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _button_title(item: Item) -> str:
    return _short(item.short_title, 20)


def drill_payload(doc_id: str) -> str:
    """The button that opens one item: the ask_policy intent with the item as its policy, so whatever the
    title's wording the model's reading cannot send it elsewhere (checked on every item: typed titles + 的申报条件
    went to apply, policy_calendar or nlu_fallback for about one in six)."""
    return "/ask_policy" + json.dumps({"policy": doc_id}, ensure_ascii=False)


def more_payload(request: Request, start: int) -> str:
    if request.kind == "file":
        return f"{request.key}里有哪些补贴（第{start + 1}项起）"
    who = {"enterprise": "企业", "citizen": "个人"}.get(request.audience or "", "")
    return f"{who}{request.key}方面有哪些补贴（第{start + 1}项起）"


def drill_question(doc: Document) -> str:
    """The question an item's button asks the search: its conditions. Worded so because, over the 117 policy
    items, the answer shown cited an article on who may apply or its conditions for 115 with this wording, 114
    with "…的申请条件是什么" and 70 with "…的申报条件" (tests/actions/test_browsing.py holds every item whose
    document has such an article to it)."""
    return f"{doc.title}的支持对象和申请条件"


@lru_cache(maxsize=4)
def catalogue(root: Path = DEFAULT_CORPUS) -> Catalogue:
    """The catalogue of the corpus at ``root`` (read once per process)."""
    return Catalogue(load_corpus(root))
