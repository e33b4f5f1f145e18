from index_builder.chunker import chunk_document, condition_texts
from index_builder.sources import load_sources
from knowledge.corpus import load_corpus
from tests.knowledge.helpers import CORPUS

DOCS = load_corpus(CORPUS)


def test_one_chunk_per_article_with_title_and_heading():
    chunks = chunk_document(DOCS["ENT-101"])
    articles = [c for c in chunks if c.article.startswith("第")]
    assert [c.article for c in articles] == ["第一条 支持对象", "第二条 奖励标准", "第三条 申领方式"]
    assert all(c.title == "龙岗区国家高新技术企业认定奖励" for c in chunks)
    assert articles[1].text.startswith("高新技术企业认定奖励的标准为")
    assert articles[1].indexed_text().startswith("龙岗区国家高新技术企业认定奖励 高新技术企业认定奖励 高企认定奖励 高企奖励 第二条 奖励标准 ")


def test_structured_fields_become_their_own_chunks():
    by_article = {c.article: c for c in chunk_document(DOCS["ENT-101"])}
    assert by_article["申请材料"].text == "申请材料：企业营业执照；高新技术企业证书。"
    assert "已通过国家高新技术企业认定" in by_article["申请条件"].text
    assert "“i龙岗”平台" in by_article["办理方式"].text
    faq = [c for c in chunk_document(DOCS["ENT-101"]) if "faq" in c.tags]
    assert len(faq) == 3 and faq[0].text.startswith("问：高新技术企业认定有什么奖励？ 答：")


def test_unknown_fields_are_left_out_of_how_to_apply():
    how = next(c for c in chunk_document(DOCS["ENT-102"]) if c.article == "办理方式")
    assert "办理时限" not in how.text and "办理模式：常规申报" in how.text
    assert not any(c.article == "申请材料" for c in chunk_document(DOCS["ENT-102"]))


def test_bundle_lists_member_titles():
    titles = {s.doc_id: s.meta.title for s in load_sources(CORPUS)}
    members = next(c for c in chunk_document(DOCS["BUN-101"], titles=titles) if c.article == "包含事项")
    assert "深圳新引进人才租房和生活补贴" in members.text and "深圳住房公积金租房提取" in members.text


def test_long_article_is_split_at_sentence_ends():
    doc = DOCS["ENT-101"]
    chunks = chunk_document(doc, max_chars=30)
    parts = [c for c in chunks if c.article == "第二条 奖励标准"]
    assert [c.text for c in parts] == ["高新技术企业认定奖励的标准为：首次通过认定的企业奖励10万元；", "再次通过认定的企业奖励5万元。"]
    assert "".join(c.text for c in parts) == doc.articles[1].text


def test_condition_texts_flatten_groups():
    assert condition_texts(DOCS["ENT-102"].conditions) == ["实际经营地在龙华区", "持有专精特新认定"]
