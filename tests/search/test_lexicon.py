from search.lexicon import expand, load


def test_everyday_words_get_the_official_term() -> None:
    lexicon = {"开公司": "企业开办", "公司": "企业", "生孩子": "新生儿出生"}
    assert expand("开公司要办哪些手续", lexicon) == "开公司要办哪些手续 企业开办"
    assert expand("生孩子和开公司", lexicon) == "生孩子和开公司 企业开办 新生儿出生"
    assert expand("居住证怎么办", lexicon) == "居住证怎么办"


def test_a_term_already_in_the_query_is_not_added_again() -> None:
    assert expand("企业开办 开公司", {"开公司": "企业开办"}) == "企业开办 开公司"


def test_the_shipped_lexicon_loads() -> None:
    assert load()["开公司"] == "企业开办"


def test_words_are_found_in_traditional_characters_and_full_width_too() -> None:
    lexicon = {"提公积金": "住房公积金提取", "app": "i深圳"}
    assert expand("提公積金要什麼", lexicon) == "提公積金要什麼 住房公积金提取"
    assert expand("ＡＰＰ上能辦嗎", lexicon) == "ＡＰＰ上能辦嗎 i深圳"
