"""政策文件导办 and 补贴事项导办 (search/browsing.py) on the real corpus: what counts as a browsing request,
what each list holds and in which order (derived here from the corpus documents themselves), how it reads."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Dict, List

import pytest

from knowledge.corpus import load_corpus
from knowledge.schema import UNKNOWN
from search.browsing import FIT_MARK, PAGE, TOPICS, Catalogue, Request, amount_text, catalogue

DOCS = load_corpus()


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return catalogue()


def corpus_files() -> Dict[str, List[str]]:
    """Each policy_file title the corpus records, with its documents' ids in id order."""
    files: Dict[str, List[str]] = defaultdict(list)
    for doc in sorted(DOCS.values(), key=lambda d: d.id):
        if doc.policy_file is not None:
            files[doc.policy_file.title].append(doc.id)
    return dict(files)


def category_ids(categories: tuple) -> List[str]:
    return [d.id for d in sorted(DOCS.values(), key=lambda d: (d.audience != "enterprise", d.id))
            if d.kind == "policy" and d.category in categories]


# ---- recognition ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, topic", [
    ("人才方面有哪些补贴", "人才"), ("引才有哪些政策", "人才"), ("招人有什么补贴", "人才"),
    ("科技创新类的补贴有哪些", "科技创新"), ("研发方面的资助", "科技创新"), ("创新有哪些扶持政策", "科技创新"),
    ("有哪些稳岗就业的政策", "稳岗就业"), ("招工有什么补贴", "稳岗就业"), ("就业补贴有哪些", "稳岗就业"),
    ("技改补贴有哪些", "产业升级与技改"), ("融资上市有哪些奖励", "上市融资"), ("贷款贴息有哪些政策", "金融贴息"),
    ("科技贷款贴息有哪些政策", "金融贴息"), ("外贸出口有什么补贴", "外贸"), ("出口企业有哪些扶持", "外贸"),
    ("专利有哪些奖励", "知识产权"), ("知识产权方面有哪些资助", "知识产权"), ("消费方面有哪些补贴", "商贸与消费"),
    ("商贸有什么扶持", "商贸与消费"), ("专精特新方面有哪些补贴", "专精特新与中小企业"),
    ("我想看看人才方面有哪些补贴", "人才"), ("人才補貼有哪些", "人才"),
])
def test_a_category_named_with_a_request_for_its_list(cat: Catalogue, text: str, topic: str) -> None:
    request = cat.recognise(text)
    assert request is not None and request.kind == "category" and request.key == topic, request


@pytest.mark.parametrize("text", [
    "我们公司能申请哪些补贴", "专精特新有什么奖励", "人才方面我能申请哪些补贴", "我们符合哪些科技创新政策",
    "高新技术企业认定有什么奖励", "研发费用加计扣除有哪些条件", "人才补贴的申请条件", "上市有什么奖励", "专利有什么奖励",
    "人才补贴", "居住证怎么办", "你好", "/check_eligibility", "帮我算算人才方面有哪些补贴", "",
    # a content question with a count in it, the calendar, a 一件事's steps, the source of an answer, matching
    "高企认定需要几个专利", "外贸展会资助一次最多报几个展", "人才类政策这个月哪些在受理", "新生儿出生一件事要办哪些",
    "依据的是什么文件", "研发投入500万的企业有哪些资助可以报",
])
def test_not_a_browsing_request(cat: Catalogue, text: str) -> None:
    assert cat.recognise(text) is None


def test_every_policy_file_is_found_by_its_title_with_or_without_book_marks(cat: Catalogue) -> None:
    for title in corpus_files():
        for said in (f"{title}里有哪些补贴", f"{title.strip('《》')}有哪些政策"):
            assert cat.recognise(said) == Request("file", title), said


def test_a_policy_file_is_found_by_its_number_in_any_brackets(cat: Catalogue) -> None:
    numbered = {d.policy_file.number: d.policy_file.title for d in DOCS.values()
                if d.policy_file is not None and d.policy_file.number}
    assert numbered
    for number, title in numbered.items():
        for said in (number, number.replace("〔", "[").replace("〕", "]"), number.replace("〔", "（").replace("〕", "）")):
            assert cat.recognise(f"{said}有哪些扶持") == Request("file", title), said


def test_a_policy_file_is_found_by_a_recognisable_part_of_its_title(cat: Catalogue) -> None:
    assert cat.recognise("总部经济有哪些补贴") == Request("file", "《深圳市龙华区加快发展总部经济实施办法》")
    assert cat.recognise("招大商招优商招好商的措施里有哪些奖励") == \
        Request("file", "《深圳市龙华区关于招大商招优商招好商的若干措施》")


def test_a_file_the_corpus_does_not_have_is_said_so_never_listed_as_another(cat: Catalogue) -> None:
    title = "《深圳市龙华区关于促进工业和信息化高质量发展的若干措施》"
    assert title not in corpus_files()
    request = cat.recognise(f"{title}里有哪些补贴")
    assert request is not None and request.kind == "unknown_file" and request.key == title
    reply = cat.listing(request)
    assert "暂未收录" in reply.text and title in reply.text and reply.items == []
    assert all(b["payload"].endswith("里有哪些补贴") for b in reply.buttons)


def test_the_files_and_the_categories_themselves(cat: Catalogue) -> None:
    assert cat.recognise("有哪些政策文件") == Request("files")
    assert cat.recognise("补贴有哪些类别") == Request("categories")
    files = cat.listing(Request("files"))
    assert len(files.buttons) == min(PAGE, len(corpus_files()))
    for button in files.buttons:  # each button opens its file
        request = cat.recognise(button["payload"])
        assert request is not None and request.kind == "file"
    for button in cat.listing(Request("categories")).buttons:
        request = cat.recognise(button["payload"])
        assert request is not None and request.kind == "category" and request.key == button["title"]


# ---- the catalogue, from the corpus -------------------------------------------------------------------

def test_each_file_holds_its_documents_in_id_order(cat: Catalogue) -> None:
    expected = corpus_files()
    assert {f.title: [i.doc_id for i in f.items] for f in cat.files} == expected
    numbers = {d.policy_file.title: d.policy_file.number for d in DOCS.values() if d.policy_file}
    assert all(f.number == numbers[f.title] for f in cat.files)


def test_each_category_holds_its_policies_enterprise_first_then_by_id(cat: Catalogue) -> None:
    for topic in TOPICS:
        assert [i.doc_id for i in cat.topic_items(topic.name)] == category_ids(topic.categories), topic.name
    # every category the corpus gives a policy is browsable under some topic
    covered = {c for t in cat.topics for c in t.categories}
    assert {d.category for d in DOCS.values() if d.kind == "policy"} <= covered


def test_a_bound_enterprise_sees_the_enterprise_items_only(cat: Catalogue) -> None:
    both = [t for t in cat.topics if {i.audience for i in cat.topic_items(t.name)} == {"enterprise", "citizen"}]
    assert both, "no category mixes audiences any more"
    for topic in both:
        items = cat.items(Request("category", topic.name, audience="enterprise"))
        assert items and {i.audience for i in items} == {"enterprise"}


# ---- what the list says ---------------------------------------------------------------------------------

def test_each_item_says_its_stated_amount_with_its_unit_or_that_the_department_will_say(cat: Catalogue) -> None:
    for doc in DOCS.values():
        if doc.kind != "policy":
            continue
        said = cat.topic_items(next(t.name for t in cat.topics if doc.category in t.categories))
        item = next(i for i in said if i.doc_id == doc.id)
        if doc.benefit.max_amount_wan:
            amount = amount_text(doc.benefit.max_amount_wan)
            assert amount in item.benefit and re.search(r"\d(万元|元)$", item.benefit), item
            assert amount in doc.benefit.text + (doc.benefit.formula or ""), doc.id  # the facts' own figure
        else:
            assert item.benefit == "金额" + UNKNOWN and not re.search(r"\d", item.benefit), item


def test_a_long_category_pages_through_every_item_once_in_order(cat: Catalogue) -> None:
    topic = max(cat.topics, key=lambda t: len(cat.topic_items(t.name)))
    expected = [i.doc_id for i in cat.topic_items(topic.name)]
    assert len(expected) > PAGE
    request = cat.recognise(f"{topic.name}方面有哪些补贴")
    seen: List[str] = []
    while request is not None:
        reply = cat.listing(request)
        assert len(reply.items) <= PAGE and 0 < len(reply.buttons) <= PAGE + 1
        seen += [i.doc_id for i in reply.items]
        more = [b for b in reply.buttons if b["title"] == "查看更多"]
        request = cat.recognise(more[0]["payload"]) if more else None
    assert seen == expected


def test_the_list_reads_as_numbered_titles_with_benefits_and_one_button_per_item(cat: Catalogue) -> None:
    title = "《深圳市龙华区加快发展总部经济实施办法》"
    reply = cat.listing(Request("file", title))
    ids = corpus_files()[title]
    assert f"共 {len(ids)} 项" in reply.text and "深龙华府规〔2021〕7号" in reply.text
    for n, doc_id in enumerate(ids, 1):
        assert re.search(rf"^{n}\. {re.escape(DOCS[doc_id].title)}：最高\d+万元$", reply.text, re.M), reply.text
    assert [json.loads(b["payload"][len("/ask_policy"):]) for b in reply.buttons] == [{"policy": i} for i in ids]
    assert all(b["payload"].startswith("/ask_policy{") and len(b["title"]) <= 20 for b in reply.buttons)
    assert not any(m in reply.text for m in FIT_MARK.values())  # no fit without a bound user
    assert "ENT-" not in reply.text and "policy" not in reply.text


def test_a_bound_users_fit_marks_each_item(cat: Catalogue) -> None:
    title = "《深圳市龙华区加快发展总部经济实施办法》"
    ids = corpus_files()[title]
    statuses = ["eligible", "not_eligible", "needs_information"]
    fit = {doc_id: statuses[n % 3] for n, doc_id in enumerate(ids)}
    reply = cat.listing(Request("file", title), fit)
    for n, doc_id in enumerate(ids, 1):
        assert re.search(rf"^{n}\. {FIT_MARK[fit[doc_id]]} {re.escape(DOCS[doc_id].title)}：", reply.text, re.M)
    assert "✓ 符合条件" in reply.text and "一键申报" in reply.text


def test_how_the_administration_runs_an_item_overrides_the_documents_mode(cat: Catalogue) -> None:
    title = "《深圳市龙华区加快发展总部经济实施办法》"
    ids = corpus_files()[title]
    assert all(DOCS[i].mode == "常规申报" for i in ids)
    plain = cat.listing(Request("file", title))
    assert "秒批" not in plain.text and "免申即享" not in plain.text
    run = cat.listing(Request("file", title), handling={ids[0]: "秒批", ids[1]: "免申即享"})
    lines = run.text.splitlines()
    assert lines[1].endswith("，可秒批") and lines[2].endswith("，免申即享") and "秒批" not in lines[3]
