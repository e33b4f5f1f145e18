"""The custom NLU components, run on their own (no training needed)."""

from pathlib import Path

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.entity_dedup import deduplicate
from bot.components.quantity_extractor import QuantityExtractor
from bot.components.tokenizer import ZhTokenizer, is_noise


def test_dedup_prefers_regex_for_closed_types_and_diet_for_open_ones() -> None:
    entities = [
        {"entity": "district", "start": 2, "end": 5, "value": "龙华", "extractor": "DIETClassifier"},
        {"entity": "district", "start": 2, "end": 5, "value": "龙华区", "extractor": "RegexEntityExtractor"},
        {"entity": "policy", "start": 6, "end": 10, "value": "ENT-056", "extractor": "DIETClassifier"},
        {"entity": "policy", "start": 6, "end": 10, "value": "高企奖励", "extractor": "RegexEntityExtractor"},
    ]
    kept = deduplicate(entities)
    assert [(e["entity"], e["extractor"]) for e in kept] == [
        ("district", "RegexEntityExtractor"), ("policy", "DIETClassifier")]


def test_dedup_keeps_different_types_on_one_span() -> None:
    entities = [{"entity": "revenue", "start": 0, "end": 3, "extractor": "DIETClassifier"},
                {"entity": "amount", "start": 0, "end": 3, "extractor": "DIETClassifier"}]
    assert len(deduplicate(entities)) == 2


def test_quantity_values_are_normalised_and_missing_ones_added() -> None:
    extractor = QuantityExtractor({"add_missing": True})
    text = "我们去年营收三千万，员工两百来号人"
    entities = [{"entity": "revenue", "start": 6, "end": 9, "value": "三千万", "extractor": "DIETClassifier"}]
    out = {e["entity"]: e["value"] for e in extractor.annotate(text, entities)}
    assert out == {"revenue": 3000, "employees": 200}


def test_quantity_cue_picks_the_nearest_word() -> None:
    extractor = QuantityExtractor({"add_missing": True})
    out = {e["entity"]: e["value"] for e in extractor.annotate("营收1.2个亿，研发投入0.3亿", [])}
    assert out == {"revenue": 12000, "rd_spend": 3000}


def test_quantity_without_add_missing_only_normalises() -> None:
    extractor = QuantityExtractor({"add_missing": False})
    assert extractor.annotate("员工200人", []) == []


def test_noise_tokens() -> None:
    assert is_noise("，") and is_noise(" ") and is_noise("？！")
    assert not is_noise("龙华区")


def test_dictionary_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "dict.txt").write_text("高企奖励 1000\n", encoding="utf-8")
    before = ZhTokenizer.fingerprint_addon({"dictionary_path": str(tmp_path)})
    (tmp_path / "dict.txt").write_text("高企奖励 1000\n专精特新 1000\n", encoding="utf-8")
    after = ZhTokenizer.fingerprint_addon({"dictionary_path": str(tmp_path)})
    assert before and after and before != after


def test_traditional_characters_are_read_as_simplified_with_offsets_kept() -> None:
    tokenizer = ZhTokenizer(ZhTokenizer.get_default_config(), None, None)  # type: ignore[arg-type]
    original = "請問專精特新企業獎勵多少"
    message = Message(data={TEXT: original})
    tokens = tokenizer.tokenize(message, TEXT)
    assert message.get(TEXT) == "请问专精特新企业奖励多少"
    assert "".join(t.text for t in tokens) == message.get(TEXT)
    assert all(message.get(TEXT)[t.start:t.end] == t.text for t in tokens)
    simplified = Message(data={TEXT: "请问专精特新企业奖励多少"})
    assert [t.text for t in tokenizer.tokenize(simplified, TEXT)] == [t.text for t in tokens]
