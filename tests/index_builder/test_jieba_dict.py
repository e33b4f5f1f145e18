import jieba
import pytest

from index_builder.jieba_dict import FILE_NAME, write_user_dict
from knowledge.corpus import InvalidCorpus
from tests.knowledge.helpers import CORPUS, copy_corpus


def test_dictionary_lists_names_values_and_files(tmp_path):
    path = write_user_dict(CORPUS, tmp_path)
    assert path == tmp_path / FILE_NAME
    words = {line.split(" ")[0] for line in path.read_text(encoding="utf-8").splitlines()}
    for term in ("龙岗区国家高新技术企业认定奖励", "高企奖励", "深圳市龙岗区科技创新局", "龙华区",
                 "专精特新小巨人", "国家高新技术企业", "龙岗区科技创新专项资金管理办法"):
        assert term in words
    assert all(len(line.split(" ")) == 2 for line in path.read_text(encoding="utf-8").splitlines())


def test_rewritten_only_when_content_changes(tmp_path):
    path = write_user_dict(CORPUS, tmp_path)
    before = path.stat().st_mtime_ns
    write_user_dict(CORPUS, tmp_path)
    assert path.stat().st_mtime_ns == before


def test_jieba_keeps_dictionary_terms_whole(tmp_path):
    tok = jieba.Tokenizer()
    tok.load_userdict(str(write_user_dict(CORPUS, tmp_path)))
    assert "专精特新小巨人" in tok.lcut("我们是专精特新小巨人企业")


def test_invalid_corpus_is_refused(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "enterprise" / "ENT-101.yaml").write_text("id: ENT-101\nkind: policy\n", encoding="utf-8")
    with pytest.raises(InvalidCorpus):
        write_user_dict(corpus, tmp_path / "dict")
