"""One way to name a source: the bot's answers and the console's suggestions share Citation.line."""

from search.types import NO_SOURCE, Citation


def cite(date: str, url: str = "https://www.sz.gov.cn/x.html", article: str = "第三条") -> Citation:
    return Citation(doc_id="CIT-001", title="深圳经济特区居住证首次申领", issuer="深圳市公安局", article=article,
                    source_url=url, source_date=date)


def test_a_dated_source_says_its_date() -> None:
    assert cite("2024-10-25").line() == "依据：《深圳经济特区居住证首次申领》第三条（深圳市公安局，信息日期 2024-10-25）"
    assert cite("2024-10-25").line(with_url=True).endswith("） https://www.sz.gov.cn/x.html")


def test_an_undated_source_says_nothing_about_the_date() -> None:
    for undated in ("未标注", "", "  "):
        c = cite(undated)
        assert c.source_date == "" and "信息日期" not in c.line() and c.line().endswith("（深圳市公安局）")


def test_no_source_page_is_never_dressed_up() -> None:
    line = cite("2024-10-25", url="").line(with_url=True)
    assert NO_SOURCE in line and "信息日期" not in line and "http" not in line
