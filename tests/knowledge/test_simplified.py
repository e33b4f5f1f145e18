from knowledge.simplified import to_simplified
from search.textproc import normalise


def test_traditional_characters_become_simplified():
    assert to_simplified("專精特新中小企業有什麼資助？") == "专精特新中小企业有什么资助？"
    assert to_simplified("我想辦理居住證，後來怎麼領") == "我想办理居住证，后来怎么领"
    assert to_simplified("衞生署綫上辦理") == "卫生署线上办理"  # Hong Kong variants


def test_simplified_and_ascii_text_are_unchanged():
    for text in ("高新技术企业认定有什么奖励？", "显著成效的著作权登记", "USCC 91440300MA5XXXXX0X", ""):
        assert to_simplified(text) == text


def test_offsets_are_kept_so_spans_map_back():
    text = "請問「深圳市專精特新中小企業」獎勵多少"
    simple = to_simplified(text)
    assert len(simple) == len(text)
    start = simple.index("专精特新")
    assert text[start:start + 4] == "專精特新"


def test_normalise_folds_width_script_and_case():
    assert normalise("ＵＳＣＣ　高新技術企業") == "uscc 高新技术企业"


def test_evaluation_sets_convert_to_traditional_and_back():
    from evaluation.data import traditional

    for text in ("专精特新企业奖励多少", "我想办理居住证，后来怎么领", "高新技术企业认定有什么奖励？"):
        trad = traditional(text)
        assert trad != text and len(trad) == len(text) and to_simplified(trad) == text
