from search.followup import NameIndex, looks_like_follow_up, rewrite
from search.records import DocMeta

HIGH_TECH = DocMeta("ENT-101", "龙岗区国家高新技术企业认定奖励", short_title="高新技术企业认定奖励", aliases=("高企奖励",))
FUND = DocMeta("CIT-101", "深圳住房公积金租房提取", short_title="公积金租房提取", aliases=("租房提取公积金",))
NAMES = NameIndex([HIGH_TECH, FUND])


def test_follow_up_cues():
    for q in ("那需要什么材料？", "这个怎么申请", "多少钱", "什么时候截止？", "该补贴有什么条件", "要去哪里办"):
        assert looks_like_follow_up(q), q
    for q in ("深圳市关于支持企业复工复产有哪些新的政策措施和具体的办理流程呢", "你好"):
        assert not looks_like_follow_up(q), q


def test_follow_up_is_rewritten_with_the_current_document():
    rw = rewrite("那需要什么材料？", HIGH_TECH, NAMES)
    assert rw.follow_up and rw.query == "龙岗区国家高新技术企业认定奖励 那需要什么材料？"


def test_question_naming_another_policy_is_not_rewritten():
    rw = rewrite("租房提取公积金需要什么材料？", HIGH_TECH, NAMES)
    assert not rw.follow_up and rw.named == "CIT-101" and rw.query == "租房提取公积金需要什么材料？"


def test_no_context_no_rewrite():
    assert rewrite("那需要什么材料？", None, NAMES).query == "那需要什么材料？"
    assert NAMES.named("高企奖励怎么领") == "ENT-101"
