import json

import numpy as np
import pytest

from index_builder.builder import build_index
from index_builder.cli import main as cli_main
from index_builder.embedder_train import vectors_equal
from knowledge.corpus import InvalidCorpus, rules_dir
from search import index_files as F
from tests.knowledge.helpers import CORPUS, copy_corpus, tiny_config


def test_build_writes_every_file_and_a_report(built):
    root, report = built
    index = root / "index"
    for name in (F.MANIFEST, F.DOCS, F.CHUNKS, F.FAQ, F.EMBEDDINGS, F.FAQ_EMBEDDINGS, F.DENSE, F.BM25_CHUNKS,
                 F.BM25_DOCS, F.REPORT, F.JIEBA_DICT):
        assert (index / name).exists(), name
    assert report["docs"] == 5 and report["faq"] == 15 and not report["skipped"]
    assert report["model"]["trained"] and sorted(report["embedded_docs"]) == ["BUN-101", "CIT-101", "CIT-102",
                                                                              "ENT-101", "ENT-102"]
    chunks = F.read_chunks(index / F.CHUNKS)
    assert report["chunks"]["count"] == len(chunks) == len(np.load(index / F.EMBEDDINGS))
    manifest = F.read_manifest(index)
    assert manifest["search"]["weights"] and manifest["faiss"]["factory"] == "Flat"
    assert json.loads((index / F.REPORT).read_text(encoding="utf-8"))["docs"] == 5


def test_second_build_with_nothing_changed_is_skipped(built):
    root, _ = built
    report = build_index(CORPUS, root / "index", tiny_config(root / "embedder"), progress=False)
    assert report["skipped"] and report["total_seconds"] < 10


def test_incremental_rebuild_reembeds_only_the_changed_document(tmp_path, built):
    root, _ = built
    corpus = copy_corpus(tmp_path / "corpus")
    cfg = tiny_config(tmp_path / "unused", embedder={"model": str(root / "embedder")})  # a fixed (drop-in) model
    first = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert first["model"]["drop_in"] and len(first["embedded_docs"]) == 5
    before = dict(zip([c.chunk_id for c in F.read_chunks(tmp_path / "index" / F.CHUNKS)],
                      np.load(tmp_path / "index" / F.EMBEDDINGS)))
    path = corpus / "citizen" / "CIT-102.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("本科每人1.5万元", "本科每人2万元"), encoding="utf-8")
    (corpus / "enterprise" / "ENT-102.yaml").unlink()
    (rules_dir(corpus) / "enterprise" / "ENT-102.yaml").unlink()  # a document removed takes its rules along
    second = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert second["embedded_docs"] == ["CIT-102"]
    assert second["reused_docs"] == 3 and second["removed_docs"] == ["ENT-102"]
    after = dict(zip([c.chunk_id for c in F.read_chunks(tmp_path / "index" / F.CHUNKS)],
                     np.load(tmp_path / "index" / F.EMBEDDINGS)))
    for chunk_id, vector in after.items():
        if chunk_id.startswith(("ENT-101", "CIT-101", "BUN-101")):
            assert np.array_equal(vector, before[chunk_id])


def test_a_rule_file_edit_alone_reembeds_its_document(tmp_path, built):
    """A document's rules are part of it (its 申请条件 passage, its fingerprint): their file counts as its text does."""
    root, _ = built
    corpus = copy_corpus(tmp_path / "corpus")
    cfg = tiny_config(tmp_path / "unused", embedder={"model": str(root / "embedder")})
    build_index(corpus, tmp_path / "index", cfg, progress=False)
    path = rules_dir(corpus) / "citizen" / "CIT-101.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: 3, text: 连续缴存满3个月", "value: 6, text: 连续缴存满6个月"), encoding="utf-8")
    second = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert not second["skipped"] and second["embedded_docs"] == ["CIT-101"] and second["reused_docs"] == 4
    assert any("连续缴存满6个月" in c.text for c in F.read_chunks(tmp_path / "index" / F.CHUNKS) if c.doc_id == "CIT-101")


def _default_model_index(tmp_path, **embedder):
    """A corpus copy indexed with the trained default model (not a drop-in), and its config."""
    corpus = copy_corpus(tmp_path / "corpus")
    cfg = tiny_config(tmp_path / "embedder", **({"embedder": embedder} if embedder else {}))
    first = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert first["model"]["trained"] and len(first["embedded_docs"]) == 5
    return corpus, cfg


def _edit(corpus, name="ENT-101.yaml", old="奖励10万元", new="奖励12万元"):
    path = next(corpus.rglob(name))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_default_model_is_kept_and_only_the_changed_document_reembedded(tmp_path):
    corpus, cfg = _default_model_index(tmp_path)
    stamp = (tmp_path / "embedder" / "training.json").read_bytes()
    _edit(corpus)  # one document of five: 20%, at the default retrain_share
    second = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert not second["model"]["trained"]
    assert second["embedded_docs"] == ["ENT-101"] and second["reused_docs"] == 4
    assert (tmp_path / "embedder" / "training.json").read_bytes() == stamp


def test_default_model_is_retrained_when_many_documents_change(tmp_path):
    corpus, cfg = _default_model_index(tmp_path, retrain_share=0.1)
    _edit(corpus)
    second = build_index(corpus, tmp_path / "index", cfg, progress=False)
    assert second["model"]["trained"] and len(second["embedded_docs"]) == 5


def test_retrain_flag_trains_the_default_model_anew(tmp_path):
    corpus, cfg = _default_model_index(tmp_path)
    _edit(corpus)
    second = build_index(corpus, tmp_path / "index", cfg, progress=False, retrain=True)
    assert second["model"]["trained"] and len(second["embedded_docs"]) == 5


def test_training_is_seeded_and_deterministic(tmp_path, built):
    root, _ = built
    build_index(CORPUS, tmp_path / "index", tiny_config(tmp_path / "embedder"), progress=False)
    assert vectors_equal(root / "embedder", tmp_path / "embedder")


def test_invalid_document_is_refused_with_file_field_and_reason(tmp_path, capsys):
    corpus = copy_corpus(tmp_path / "corpus")
    path = corpus / "enterprise" / "ENT-102.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("audience: enterprise", "audience: everyone"),
                    encoding="utf-8")
    with pytest.raises(InvalidCorpus) as err:
        build_index(corpus, tmp_path / "index", tiny_config(tmp_path / "embedder"), progress=False)
    assert any(e.file.endswith("ENT-102.yaml") and e.field == "audience" for e in err.value.errors)
    assert cli_main(["build", "--corpus", str(corpus), "--out", str(tmp_path / "index"), "--quiet"]) == 1
    stderr = capsys.readouterr().err
    assert "refusing to build" in stderr and "ENT-102.yaml: audience:" in stderr
    assert not (tmp_path / "index").exists()
