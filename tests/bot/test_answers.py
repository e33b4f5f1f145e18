from bot.answers import fields_from_entities, parse_answer, pick_option, yes_no


def test_yes_no_from_words_and_intents() -> None:
    assert yes_no("是的，已经认定了") is True
    assert yes_no("没有") is False
    assert yes_no("还没认定") is False
    assert yes_no("随便", intent="affirm") is True
    assert yes_no("不清楚") is None  # "I don't know" is unknown, never "no"
    assert yes_no("说不准，可能有") is None


def test_number_answers_use_the_unit() -> None:
    assert parse_answer("number", "大概三千万", unit="万元") == 3000
    assert parse_answer("int", "两百来号人") == 200
    assert parse_answer("number", "不知道") is None
    assert parse_answer("number", "随便", entity_value=1500.0) == 1500.0


def test_enum_picks_the_longest_option_named() -> None:
    options = ["龙华区", "龙岗区", "南山区"]
    assert parse_answer("enum", "我们在龙华", options) == "龙华区"
    assert pick_option("南山区科技园", options) == "南山区"
    assert parse_answer("enum", "外地", options) is None


def test_list_answers() -> None:
    options = ["国家高新技术企业", "专精特新中小企业"]
    assert parse_answer("list", "我们是国家高新技术企业", options) == ["国家高新技术企业"]
    assert parse_answer("list", "都没有", options) == []


def test_date_answers() -> None:
    assert parse_answer("date", "2019年3月成立的") == "2019-03-01"
    assert parse_answer("date", "去年") is None


def test_fields_from_entities_maps_and_keeps_numbers_only() -> None:
    entities = [{"entity": "district", "value": "龙华区"}, {"entity": "employees", "value": 200.0},
                {"entity": "revenue", "value": "三千万"}, {"entity": "qualification", "value": "国家高新技术企业"}]
    assert fields_from_entities(entities) == {
        "registered_district": "龙华区", "operating_district": "龙华区", "employees": 200.0,
        "qualifications": ["国家高新技术企业"]}


def test_a_coded_option_is_chosen_by_the_name_its_button_showed() -> None:
    codes = ["F51", "F52", "H62", "I65", "C"]
    titles = {"F51": "批发业", "F52": "零售业", "H62": "餐饮业", "I65": "软件和信息技术服务业", "C": "制造业"}
    assert parse_answer("list", "我们做批发业，也有零售业", codes, titles=titles) == ["F51", "F52"]
    assert parse_answer("list", "F51", codes, titles=titles) == ["F51"]  # the button's payload
    assert parse_answer("list", "软件和信息技术服务业", codes, titles=titles) == ["I65"]
    assert parse_answer("enum", "主要是餐饮业", codes, titles=titles) == "H62"
    assert parse_answer("list", "我们做批发业", codes) is None  # without the titles the name means nothing
