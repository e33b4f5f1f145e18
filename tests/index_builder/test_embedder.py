import numpy as np

from index_builder.embedder_vocab import build_tokenizer, vocabulary
from index_builder.lsa import randomized_svd, tfidf
from search.embedder import StaticEncoder, load_embedder


def test_tokenizer_matches_longest_corpus_words_then_characters():
    vocab = vocabulary([["高新技术企业", "高新", "认定", "奖励"]] * 2, ["高新技术企业认定奖励 公积金"], min_count=2)
    tok = build_tokenizer(vocab)
    assert tok.encode("高新技术企业认定奖励").tokens == ["高新技术企业", "认定", "奖励"]
    assert tok.encode("公积金２０２４").tokens == ["公", "积", "金", "[UNK]"]  # NFKC digits unseen in the corpus


def test_randomized_svd_recovers_the_top_singular_values():
    rng = np.random.default_rng(0)
    ids = [list(rng.integers(0, 50, size=rng.integers(3, 20))) for _ in range(80)]
    x, _ = tfidf(ids, 50)
    s, vt = randomized_svd(x, 5, seed=1, iters=6)
    exact = np.linalg.svd(x.toarray(), compute_uv=False)[:5]
    np.testing.assert_allclose(s, exact, rtol=1e-3)
    np.testing.assert_allclose(np.abs(vt @ vt.T), np.eye(5), atol=1e-5)


def test_trained_model_is_a_sentence_transformers_directory(built):
    root, _ = built
    from sentence_transformers import SentenceTransformer

    texts = ["高新技术企业认定有什么奖励？", "", "公积金"]
    ours = load_embedder(root / "embedder")
    assert isinstance(ours, StaticEncoder)
    theirs = SentenceTransformer(str(root / "embedder"), device="cpu").encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(ours.encode(texts), theirs, atol=1e-6)
