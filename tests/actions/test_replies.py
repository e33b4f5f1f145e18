"""The citation line: a document without a source page is never shown as an official one."""

from __future__ import annotations

from actions.replies import citation_line
from knowledge.types import Citation


def test_a_sourced_document_shows_issuer_and_date() -> None:
    line = citation_line(Citation("ENT-056", "高新技术企业认定奖励", "龙岗区科技创新局", "第二条", "https://www.lg.gov.cn/x",
                                  "2024-05-01"))
    assert line == "依据：《高新技术企业认定奖励》第二条（龙岗区科技创新局，信息日期 2024-05-01）"


def test_an_unsourced_document_says_so() -> None:
    line = citation_line(Citation("ENT-019", "龙华区“龙舞华章计划”高层次人才奖励补贴", "深圳市龙华区人才工作主管部门", "",
                                  "", "2020-08-27"))
    assert "未找到官方原文" in line and "以主管部门最新通知为准" in line and "信息日期" not in line


def test_ent_019_cites_no_home_page() -> None:
    import yaml

    from policybot import paths

    doc = yaml.safe_load((paths.CORPUS / "enterprise" / "ENT-019.yaml").read_text(encoding="utf-8"))
    assert doc["source_url"] is None and "咨询" in doc["caveat"]
