"""A document past its window or replaced by another says so: the corpus field, what the index keeps, the
sentence. Dates are measured from a fixed today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from index_builder.builder import build_index
from index_builder.sources import meta_of
from knowledge.corpus import check_corpus, load_corpus
from knowledge.freshness import Validity, notice, validity_of
from knowledge.schema import Document
from search.base import KnowledgeBase, load_knowledge_base
from search.records import DocMeta
from tests.knowledge.helpers import copy_corpus, tiny_config

TODAY = dt.date(2026, 12, 3)


def test_a_closed_application_window_says_when_it_closed() -> None:
    closed = Validity(window_end="2025-06-30", window_text="2025年度申报期为5月15日至6月30日，以后年度以主管部门最新通知为准")
    assert notice(closed, TODAY) == "该政策申报期已于2025年6月30日截止，以主管部门最新通知为准。"


def test_an_ended_validity_says_it_expired() -> None:
    for text in ("措施有效期至2023年6月30日，现已到期", "2024年口径执行至2023年6月30日", "措施施行期为2023年6月9日至2023年6月30日"):
        assert notice(Validity(window_end="2023-06-30", window_text=text), TODAY) == \
            "该政策已于2023年6月30日到期，以主管部门最新通知为准。"


def test_a_current_or_undated_document_says_nothing() -> None:
    assert notice(Validity(window_end="2027-10-07", window_text="申报期至2027年10月7日"), TODAY) is None
    assert notice(Validity(window_end=TODAY.isoformat(), window_text="今天截止"), TODAY) is None  # the last day is open
    assert notice(Validity(), TODAY) is None


def test_a_superseded_document_names_its_successor_first() -> None:
    replaced = Validity(window_end="2021-11-19", window_text="申报期", superseded_by="《新办法》（深工信规〔2024〕12号）")
    assert notice(replaced, TODAY) == "该文件已被《新办法》（深工信规〔2024〕12号）替代，请以新文件为准。"
    not_yet = Validity(superseded_by="《新办法》", superseded_since="2027-01-01")
    assert notice(not_yet, TODAY) is None


# ---- the corpus field ------------------------------------------------------------------------------------

def _doc(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_superseded_by_is_validated(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    path = corpus / "enterprise" / "ENT-102.yaml"
    raw = _doc(path)
    for bad, field in (({"title": "《新办法》", "doc_id": "ENT-999"}, "superseded_by.doc_id"),
                       ({"title": "《新办法》", "doc_id": "ent-1"}, "superseded_by.doc_id"),
                       ({"number": "深工信规〔2024〕12号"}, "superseded_by.title"),
                       ({"title": "《新办法》", "since": "不久前"}, "superseded_by.since")):
        path.write_text(yaml.safe_dump({**raw, "superseded_by": bad}, allow_unicode=True), encoding="utf-8")
        _, errors = check_corpus(corpus)
        assert [e.field for e in errors] == [field], (bad, errors)
    path.write_text(yaml.safe_dump({**raw, "superseded_by": {"title": "《新办法》", "doc_id": "ENT-102"}},
                                   allow_unicode=True), encoding="utf-8")
    assert "itself" in str(check_corpus(corpus)[1])


def test_the_shipped_corpus_marks_only_what_the_facts_say() -> None:
    """ENT-030, ENT-034 and ENT-050: the fact sheet names the text now in force (status_note)."""
    docs = load_corpus()
    marked = {d.id: d.superseded_by.display() for d in docs.values() if d.superseded_by is not None}
    assert marked == {"ENT-030": "《企业技术改造项目扶持计划操作规程》（深工信规〔2024〕12号）",
                      "ENT-034": "《工业互联网发展扶持计划操作规程》",
                      "ENT-050": "深工信规〔2023〕4号操作规程"}
    assert docs["ENT-030"].superseded_by is not None and docs["ENT-030"].superseded_by.doc_id == "ENT-031"


def test_the_index_keeps_window_and_successor() -> None:
    docs = load_corpus()
    expired: Document = docs["ENT-045"]  # 措施有效期至2023-06-30
    meta = DocMeta.from_json(meta_of(expired).to_json())  # as written to and read from the index
    assert meta.validity == validity_of(expired) and meta.validity.window_end == "2023-06-30"
    assert notice(meta.validity, TODAY) == "该政策已于2023年6月30日到期，以主管部门最新通知为准。"
    assert notice(meta_of(docs["ENT-030"]).validity, TODAY).startswith("该文件已被《企业技术改造项目扶持计划操作规程》")
    assert notice(meta_of(docs["ENT-001"]).validity, TODAY) is None  # 申报期至2027-10-07
    assert DocMeta.from_json({"doc_id": "X", "title": "t"}).validity == Validity()  # an index built before


# ---- through a built index: the citation of a hit and of a curated answer carries it -----------------------

@pytest.fixture(scope="module")
def dated_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("fresh")
    corpus = copy_corpus(root / "corpus")
    ent = corpus / "enterprise" / "ENT-101.yaml"
    ent.write_text(yaml.safe_dump({**_doc(ent), "window": {"end": dt.date(2025, 6, 30), "text": "2025年度申报截至6月30日"}},
                                  allow_unicode=True), encoding="utf-8")
    cit = corpus / "citizen" / "CIT-102.yaml"
    cit.write_text(yaml.safe_dump({**_doc(cit), "superseded_by": {"title": "《深圳市新引进人才补贴新办法》"}},
                                  allow_unicode=True), encoding="utf-8")
    build_index(corpus, root / "index", tiny_config(root / "embedder"), progress=False)
    return load_knowledge_base(root / "index")


def test_answers_from_a_built_index_carry_the_notice(dated_kb: KnowledgeBase) -> None:
    curated = dated_kb.ask("高新技术企业认定有什么奖励？")
    assert curated.faq is not None and curated.faq.doc_id == "ENT-101"
    assert notice(curated.faq.citation.validity, TODAY) == "该政策申报期已于2025年6月30日截止，以主管部门最新通知为准。"
    passage = dated_kb.ask("硕士毕业来深圳租房补贴多少钱").hits[0]
    assert passage.doc_id == "CIT-102"
    assert notice(passage.citation.validity, TODAY) == "该文件已被《深圳市新引进人才补贴新办法》替代，请以新文件为准。"
    current = dated_kb.ask("租房提取公积金要租房合同吗？").hits[0]
    assert current.doc_id == "CIT-101" and notice(current.citation.validity, TODAY) is None
