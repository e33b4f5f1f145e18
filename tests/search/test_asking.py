import pytest

from search.asking import asks_about_content


@pytest.mark.parametrize("text", ["专精特新有什么奖励", "专精特新的条件", "高企认定奖励多少钱", "孵化器房租资助要什么材料",
                                  "小巨人企业奖励标准 2024"])
def test_questions_about_what_a_policy_gives_or_needs(text: str) -> None:
    assert asks_about_content(text)


@pytest.mark.parametrize("text", ["我能申请哪些补贴", "我们公司能拿什么补贴", "有什么补贴可以领", "帮我看看能申请什么",
                                  "哪些政策适合我们", "我有什么补贴可以领", "查一下符合条件的政策", "专精特新", "你好"])
def test_what_i_can_get_or_no_question_at_all(text: str) -> None:
    assert not asks_about_content(text)
