"""Loading the corpus: a document's text from corpus/, its rules from rules/ at the same place, one Document;
every misplaced, orphaned or malformed rule file reported per file, like any corpus error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest

from knowledge.corpus import DEFAULT_CORPUS, CorpusError, check_corpus, corpus_files, load_corpus, rules_dir
from knowledge.schema import Leaf
from knowledge.validate import main as validate
from tests.knowledge.helpers import CORPUS, RULES, copy_corpus

ENT_101_RULES = RULES / "enterprise" / "ENT-101.yaml"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


def _rules(corpus: Path, place: str = "enterprise/ENT-101.yaml") -> Path:
    return rules_dir(corpus) / place


def _errors(corpus: Path) -> List[CorpusError]:
    docs, errors = check_corpus(corpus)
    assert errors, "the broken corpus was accepted"
    return errors


def test_the_rules_folder_sits_beside_the_corpus_folder() -> None:
    assert rules_dir(DEFAULT_CORPUS) == DEFAULT_CORPUS.parent / "rules"
    assert rules_dir(CORPUS) == RULES == CORPUS.parent / "rules"


def test_a_document_is_its_text_and_its_rules() -> None:
    docs = load_corpus(CORPUS)
    ent = docs["ENT-101"]
    assert ent.title == "龙岗区国家高新技术企业认定奖励" and ent.conditions_complete
    assert [n.field for n in ent.conditions if isinstance(n, Leaf)] == ["qualifications", "registered_district"]
    assert ent.conditions[1].value == ["龙岗区"]
    bundle = docs["BUN-101"]  # no rule file: no conditions
    assert not (RULES / "bundles" / "BUN-101.yaml").exists()
    assert bundle.conditions == [] and bundle.conditions_complete


def test_every_shipped_document_has_its_rules_at_the_same_place() -> None:
    """A rule file lost would leave its policy without conditions: open to everyone."""
    rules = rules_dir(DEFAULT_CORPUS)
    texts = [p.relative_to(DEFAULT_CORPUS) for p in corpus_files(DEFAULT_CORPUS)]
    assert len(texts) == len(load_corpus()) > 100
    assert [t for t in texts if not (rules / t).is_file()] == []
    assert sorted(p.relative_to(rules) for p in corpus_files(rules)) == sorted(texts)


def test_conditions_left_in_a_corpus_file_are_refused(corpus: Path) -> None:
    path = corpus / "enterprise" / "ENT-102.yaml"
    rules = _rules(corpus, "enterprise/ENT-102.yaml").read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + rules.split("\n", 1)[1], encoding="utf-8")
    docs, errors = check_corpus(corpus)
    assert "ENT-102" not in docs
    reason = "rules belong in rules/enterprise/ENT-102.yaml, not in the corpus file"
    assert [str(e) for e in errors] == [f"enterprise/ENT-102.yaml: conditions_complete: {reason}",
                                        f"enterprise/ENT-102.yaml: conditions: {reason}"]


def test_an_empty_conditions_list_in_a_corpus_file_is_refused_too(corpus: Path) -> None:
    path = corpus / "enterprise" / "ENT-101.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "conditions: []\n", encoding="utf-8")
    assert [(e.file, e.field) for e in _errors(corpus)] == [("enterprise/ENT-101.yaml", "conditions")]


def test_a_rule_file_without_its_document_is_reported(corpus: Path) -> None:
    (corpus / "enterprise" / "ENT-102.yaml").unlink()
    errors = _errors(corpus)
    assert [str(e) for e in errors] == [
        "rules/enterprise/ENT-102.yaml: -: no corpus document corpus/enterprise/ENT-102.yaml for this rule file"]


def test_a_rule_file_in_another_folder_than_its_document_is_reported(corpus: Path) -> None:
    _rules(corpus).rename(_rules(corpus, "citizen/ENT-101.yaml"))
    docs, errors = check_corpus(corpus)
    assert [(e.file, e.field) for e in errors] == [("rules/citizen/ENT-101.yaml", "-")]
    assert "corpus/citizen/ENT-101.yaml" in errors[0].reason
    assert docs["ENT-101"].conditions == []  # its text alone, as without a rule file


def test_a_corpus_copied_without_its_rules_folder_is_reported(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    docs, errors = check_corpus(tmp_path / "corpus")
    assert [str(e) for e in errors] == [
        "rules: -: no rules folder beside the corpus folder: no document would have its conditions"]


def test_a_rule_file_whose_id_differs_from_its_name_is_refused(corpus: Path) -> None:
    path = _rules(corpus)
    path.write_text(path.read_text(encoding="utf-8").replace("id: ENT-101", "id: ENT-102"), encoding="utf-8")
    docs, errors = check_corpus(corpus)
    assert "ENT-101" not in docs  # not loaded without its rules
    assert [str(e) for e in errors] == ["rules/enterprise/ENT-101.yaml: id: id ENT-102 does not match the file name"]


@pytest.mark.parametrize("text, reason", [
    ("id: ENT-101\nconditions: [{field: x, op: in\n", "not valid YAML"),
    ("- {field: registered_district, op: in, value: [龙岗区], text: 注册在龙岗区}\n", "a rule file must be a YAML mapping"),
], ids=["bad YAML", "a list"])
def test_a_rule_file_that_is_no_mapping_is_refused(corpus: Path, text: str, reason: str) -> None:
    _rules(corpus).write_text(text, encoding="utf-8")
    docs, errors = check_corpus(corpus)
    assert "ENT-101" not in docs
    assert [(e.file, e.field) for e in errors] == [("rules/enterprise/ENT-101.yaml", "-")]
    assert errors[0].reason.startswith(reason)


@pytest.mark.parametrize("old, new, field", [
    ("op: in", "op: inside", "conditions.1.op"),
    ("conditions_complete: true\n", "", "conditions_complete"),
    ("id: ENT-101\n", "id: ENT-101\ntitle: 龙岗区国家高新技术企业认定奖励\n", "title"),
    ("id: ENT-101\n", "id: ent-101\n", "id"),
], ids=["unknown op", "no conditions_complete", "a text field", "malformed id"])
def test_a_rule_file_is_validated_field_by_field(corpus: Path, old: str, new: str, field: str) -> None:
    path = _rules(corpus)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    docs, errors = check_corpus(corpus)
    assert "ENT-101" not in docs
    assert [(e.file, e.field) for e in errors][:1] == [("rules/enterprise/ENT-101.yaml", field)]


def test_errors_in_a_document_s_text_and_in_its_rules_are_both_reported(corpus: Path) -> None:
    text = corpus / "enterprise" / "ENT-101.yaml"
    text.write_text(text.read_text(encoding="utf-8").replace("audience: enterprise", "audience: everyone"),
                    encoding="utf-8")
    _rules(corpus).write_text(ENT_101_RULES.read_text(encoding="utf-8").replace("id: ENT-101", "id: ENT-102"),
                              encoding="utf-8")
    docs, errors = check_corpus(corpus)
    assert "ENT-101" not in docs
    assert [(e.file, e.field) for e in errors] == [("enterprise/ENT-101.yaml", "audience"),
                                                   ("rules/enterprise/ENT-101.yaml", "id")]


def test_validate_knowledge_lists_rule_file_errors(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _rules(corpus).write_text(ENT_101_RULES.read_text(encoding="utf-8").replace("op: in", "op: inside"),
                              encoding="utf-8")
    assert validate([str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "rules/enterprise/ENT-101.yaml: conditions.1.op: unexpected value" in out and "4 valid documents," in out
    assert validate([str(CORPUS)]) == 0
