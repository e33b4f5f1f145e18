from pathlib import Path

from policybot.fingerprint import fingerprint


def test_fingerprint_changes_with_content_and_names_only(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("dict 1\n", encoding="utf-8")
    base = fingerprint([tmp_path], tmp_path)
    assert fingerprint([tmp_path], tmp_path) == base
    (tmp_path / "b.txt").write_text("dict 2\n", encoding="utf-8")
    assert fingerprint([tmp_path], tmp_path) != base


def test_suffix_filter_ignores_other_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: 1\n", encoding="utf-8")
    base = fingerprint([tmp_path], tmp_path, suffixes=(".yml",))
    (tmp_path / "notes.md").write_text("hello", encoding="utf-8")
    assert fingerprint([tmp_path], tmp_path, suffixes=(".yml",)) == base
