from search.homophones import Homophones

WORDS = ["居住证", "公积金", "颐年卡", "稳岗返还", "申请", "办理", "护照", "补贴", "公示", "业开"]


DICTIONARY = {"办公", "申请", "办理", "护照", "补贴", "公示", "攻势", "那个", "哪个", "一共", "怎么", "续签", "什么", "时候"}
CORPUS = "居住证续签办理。公积金提取申请。颐年卡。稳岗返还补贴。企业开办"


def segment(text: str) -> list:
    """Longest dictionary words first, single characters otherwise (what jieba does for these questions)."""
    out, at = [], 0
    while at < len(text):
        for size in (4, 3, 2, 1):
            piece = text[at:at + size]
            if size == 1 or piece in DICTIONARY or piece in WORDS:
                out.append(piece)
                at += size
                break
    return out


def homophones() -> Homophones:
    # 业开 is a character pair the index keeps (企业开办), not a word
    return Homophones(WORDS, lambda word: word in DICTIONARY, CORPUS, segment)


def test_a_word_typed_with_a_homophone_is_found() -> None:
    h = homophones()
    assert h.corrections("局住证怎么续签") == ["居住证"]
    assert h.corrections("公基金能取出来吗") == ["公积金"]
    assert h.corrections("老人一年卡怎么办") == ["颐年卡"]
    assert h.corrections("稳刚返还什么时候到账") == ["稳岗返还"]
    assert h.corrections("補帖怎么申请") == ["补贴"]  # traditional characters are read as simplified first


def test_words_the_corpus_has_and_unrelated_words_are_left_alone() -> None:
    h = homophones()
    assert h.corrections("居住证怎么续签") == []
    assert h.corrections("我想申请护照") == []
    assert h.corrections("叶凯在哪里办公") == []  # sounds like the pair 业开, which is no word
    assert h.corrections("那个补贴什么时候发") == []  # 那个 is a word of its own, though it sounds like 哪个


def test_two_characters_are_a_slip_only_where_they_stand_alone() -> None:
    h = homophones()
    assert h.corrections("补帖发多少") == ["补贴"]  # 补 | 帖: both alone
    assert h.corrections("办公事多") == []  # 公事 sounds like 公示 but cuts the word 办公


def test_a_stretch_that_sounds_alike_but_differs_in_too_many_characters_is_no_slip() -> None:
    h = homophones()
    assert h.corrections("稳刚反还") == ["稳岗返还"]  # two of four characters: two slips in one word
    assert h.corrections("文刚反环") == []  # all four: another phrase that sounds the same
    assert h.corrections("攻势很猛") == []  # 公示 differs in both characters
