from pathlib import Path

import yaml

from bot.training_data import build, policy_names, write
from knowledge.corpus import load_corpus

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"


def test_every_document_gets_its_names_as_synonyms() -> None:
    docs = load_corpus(CORPUS)
    data = build(docs)
    synonyms = {s["synonym"]: s["examples"] for s in data["nlu"] if "synonym" in s}
    assert "高企认定奖励" in synonyms["ENT-056"]
    assert len(synonyms) >= len(docs) * 0.9


def test_a_name_shared_by_two_documents_maps_to_neither() -> None:
    docs = load_corpus(CORPUS)
    a, b = sorted(docs)[:2]
    docs[b] = docs[b].copy(update={"aliases": [*docs[b].aliases, docs[a].title]})
    synonyms = {s["synonym"]: s["examples"] for s in build(docs)["nlu"] if "synonym" in s}
    assert f"- {docs[a].title}\n" not in synonyms.get(a, "") and f"- {docs[a].title}\n" not in synonyms.get(b, "")


def test_bracketed_document_name_is_dropped_from_a_name() -> None:
    doc = load_corpus(CORPUS)["ENT-056"].copy(update={"title": "龙岗区国家高新技术企业认定奖励（《某某办法》第三条）"})
    assert "龙岗区国家高新技术企业认定奖励" in policy_names(doc)


def test_write_is_idempotent(tmp_path: Path) -> None:
    path = write(CORPUS, tmp_path)
    first = path.stat().st_mtime_ns
    assert write(CORPUS, tmp_path).stat().st_mtime_ns == first
    lookup = {e.get("lookup"): e for e in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]}
    assert "龙华区" in lookup["district"]["examples"]
    assert "国家高新技术企业" in lookup["qualification"]["examples"]


def test_names_the_training_data_annotates_are_left_to_it(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "x.yml").write_text('- 有没有[高企认定奖励]{"entity": "policy", "value": "ENT-001"}\n', encoding="utf-8")
    path = write(CORPUS, tmp_path / "out", nlu)
    synonyms = {e["synonym"]: e["examples"] for e in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"] if "synonym" in e}
    assert "- 高企认定奖励\n" not in synonyms["ENT-056"]
