import json
import shutil
import time

import pytest

from search.base import load_knowledge_base
from search.index import load_index
from search.types import Answer


def test_curated_answer_is_returned_verbatim(kb):
    answer = kb.ask("高新技术企业认定有什么奖励？")
    assert isinstance(answer, Answer) and answer.faq is not None
    assert answer.faq.doc_id == "ENT-101" and answer.faq.answer == "首次通过认定奖励10万元，再次认定奖励5万元。"
    assert answer.faq.citation.article == "常见问题" and answer.faq.citation.source_url == "http://example.gov.cn/ent-101"


def test_unrelated_question_gets_no_curated_answer(kb):
    assert kb.ask("小巨人企业在龙华区能拿多少资助").faq is None or kb.ask("小巨人企业在龙华区能拿多少资助").faq.doc_id == "ENT-102"
    assert kb.ask("营业执照丢了怎么补办").faq is None


def test_hits_cite_document_article_and_source(kb):
    hits = kb.ask("硕士毕业来深圳租房补贴多少钱").hits
    assert hits and hits[0].doc_id == "CIT-102"
    cite = hits[0].citation
    assert cite.title == "深圳新引进人才租房和生活补贴" and cite.issuer == "深圳市人力资源和社会保障局"
    assert cite.article and cite.source_url == "http://example.gov.cn/cit-102" and cite.source_date == "2021-05-01"


def test_follow_up_is_answered_from_the_current_document(kb):
    answer = kb.ask("那需要什么材料？", context_doc_id="ENT-101")
    assert answer.query == "龙岗区国家高新技术企业认定奖励 那需要什么材料？"
    assert answer.hits[0].doc_id == "ENT-101" and answer.hits[0].citation.article == "申请材料"
    other = kb.ask("那需要什么材料？", context_doc_id="CIT-102")
    assert other.hits[0].doc_id == "CIT-102" and "身份证" in other.hits[0].text
    assert other.faq is None or other.faq.doc_id == "CIT-102"


def test_new_topic_is_not_tied_to_the_current_document(kb):
    answer = kb.ask("租房提取公积金要租房合同吗？", context_doc_id="ENT-101")
    assert answer.query == "租房提取公积金要租房合同吗？" and answer.hits[0].doc_id == "CIT-101"


def test_filters_restrict_hits(kb):
    enterprise = kb.ask("企业", filters={"audience": "enterprise"}, k=10).hits
    assert enterprise and all(h.doc_id.startswith("ENT") for h in enterprise)
    instant = kb.ask("补贴", filters={"mode": ["免申即享", "秒批"]}, k=10).hits
    assert instant and {h.doc_id for h in instant} <= {"CIT-101", "CIT-102"}
    assert kb.ask("补贴", filters={"issuer": "不存在的部门"}).hits == []


def test_empty_and_off_topic_questions(kb):
    assert kb.ask("  ").hits == [] and kb.ask("").faq is None
    assert kb.ask("xyzzy").hits == []


def test_loaded_once_per_process_and_fast(fixture_index):
    start = time.time()
    first = load_knowledge_base(fixture_index)
    assert load_knowledge_base(fixture_index) is first
    assert time.time() - start < 5


def test_index_refuses_a_model_retrained_since(fixture_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(fixture_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["model"]["fingerprint"] = "something else"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="retrained"):
        load_index(copy)


@pytest.mark.parametrize("simplified, traditional", [
    ("硕士毕业来深圳租房补贴多少钱", "碩士畢業來深圳租房補貼多少錢"),
    ("高新技术企业认定有什么奖励？", "高新技術企業認定有什麼獎勵？"),
    ("租房提取公积金要租房合同吗？", "租房提取公積金要租房合同嗎？"),
])
def test_questions_in_traditional_characters_find_the_same_passages(kb, simplified, traditional):
    same = kb.ask(simplified)
    trad = kb.ask(traditional)
    assert trad.hits and [h.chunk_id for h in trad.hits] == [h.chunk_id for h in same.hits]
    assert (trad.faq is None) == (same.faq is None)
    assert trad.faq is None or trad.faq.answer == same.faq.answer
