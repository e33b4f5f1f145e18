"""The knowledge-gap view: the action server's question log (POST /questions), the grouped report from the log,
handoff tickets and bad ratings (GET /api/console/gaps, its CSV export), personal data and its speed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from httpx import Response

from eligibility.auth.principal import Principal
from eligibility.profiles.demo import PERSONAS
from eligibility.profiles.store import insert_profiles
from eligibility.services import knowledge_gaps, personal_data
from eligibility.services.knowledge_gaps import asked_in, leaders, normalise
from eligibility.storage import tables as t
from privacy.masking import mask_text
from tests.eligibility.conftest import ROOT, bind, minted, service_headers, staff_headers

ELDER = PERSONAS[3].id  # a citizen's ID number: never stored or shown unmasked
ADMIN = Principal("staff", "admin", roles=frozenset({"admin"}))


@pytest.fixture()
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(seed_demo=False)


def ask(client: TestClient, conversation: str, text: str, outcome: str = "low_confidence", **extra: Any) -> Response:
    return client.post("/questions", json={"text": text, "outcome": outcome, **extra},
                       headers=service_headers(conversation))


def logged(client: TestClient) -> List[Dict[str, Any]]:
    with client.app.state.ctx.db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(t.question_log).order_by(t.question_log.c.id)).mappings()]


def add_elder(client: TestClient) -> None:
    ctx = client.app.state.ctx
    with ctx.db.write() as conn:
        insert_profiles(conn, [{"id": ELDER, "kind": "citizen", "name": "陈桂兰", "sources": {}, "values": {}}],
                        ctx.policies.catalogue)


def gaps(client: TestClient, **params: Any) -> Dict[str, Any]:
    r = client.get("/api/console/gaps", params=params, headers=staff_headers(client, "operator"))
    assert r.status_code == 200, r.text
    return dict(r.json())


# ---- the question log ------------------------------------------------------------------------------------

def test_the_action_server_logs_questions_of_its_own_conversation_masked(client: TestClient) -> None:
    r = ask(client, "gap-anon", f"我身份证{ELDER}，手机13800138000，能领高龄津贴吗", "not_found")
    assert r.status_code == 201 and r.json()["outcome"] == "not_found", r.text
    add_elder(client)
    bind(client, ELDER, "gap-bound")
    assert ask(client, "gap-bound", "养老金怎么领", score=1.25, doc_id="CIT-044").status_code == 201
    anon, bound = logged(client)
    assert anon["conversation_id"] == "gap-anon" and anon["profile_id"] is None
    assert ELDER not in anon["text"] and "13800138000" not in anon["text"]
    assert mask_text(ELDER) in anon["text"] and anon["text"].endswith("能领高龄津贴吗")
    # the subject the conversation is bound to is recorded: the question is part of that person's data
    assert (bound["conversation_id"], bound["profile_id"], bound["text"], bound["outcome"], bound["score"],
            bound["doc_id"]) == ("gap-bound", ELDER, "养老金怎么领", "low_confidence", 1.25, "CIT-044")


@pytest.mark.parametrize("body", [
    {"text": "问" * 2001, "outcome": "not_found"},
    {"text": "   ", "outcome": "not_found"},
    {"text": "公租房", "outcome": "rated_badly"},
    {"text": "公租房", "outcome": "not_found", "doc_id": "ENT-1; DROP TABLE"},
    {"text": "公租房", "outcome": "not_found", "score": 1e12},
    {"text": "公租房", "outcome": "not_found", "conversation_id": "someone-else"},  # the caller's own only
    {"outcome": "not_found"},
])
def test_a_bad_report_is_a_clear_error_and_stores_nothing(client: TestClient, body: Dict[str, Any]) -> None:
    r = client.post("/questions", json=body, headers=service_headers("gap-bad"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request" and re.search("[\u4e00-\u9fff]", error["message"]) and error["detail"]
    assert logged(client) == []


def test_only_the_action_server_for_a_conversation_may_log(client: TestClient) -> None:
    nan = client.post("/questions", content='{"text": "公租房", "outcome": "not_found", "score": NaN}',
                      headers={**service_headers("gap-nan"), "Content-Type": "application/json"})
    assert nan.status_code == 422, nan.text
    body = {"text": "公租房怎么申请", "outcome": "not_found"}
    assert client.post("/questions", json=body).status_code == 401
    without = client.post("/questions", json=body, headers=service_headers())
    assert without.status_code == 403 and without.json()["error"]["code"] == "service_only"
    add_elder(client)
    for headers in (minted(client, ELDER, "gap-web"), staff_headers(client, "admin")):
        assert client.post("/questions", json=body, headers=headers).status_code == 403
    assert logged(client) == []


# ---- grouping ----------------------------------------------------------------------------------------------

def test_reworded_questions_group_and_different_ones_do_not() -> None:
    keys = [normalise(q) for q in ("公租房怎么申请", "请问公租房要怎么申请？", "怎么申请公租房", "养老金怎么领取",
                                   "养老金在哪里领取", "高龄津贴多少钱", "公租房怎么申请")]
    lead = leaders(keys)
    assert lead[0] == 0 and lead[1] == 0 and lead[2] == 0 and lead[6] == 0
    assert lead[3] == 3 and lead[4] == 3
    assert lead[5] == 5
    assert leaders([]) == [] and leaders(["好", "", "好"]) == [0, 1, 0]


def test_the_question_of_a_ticket_is_the_users_last_one_not_the_request_for_a_person() -> None:
    transcript = ('[{"role": "user", "text": "公租房怎么申请"}, {"role": "bot", "text": "……"},'
                  ' {"role": "user", "text": "/human_handoff"}, {"role": "user", "text": "转人工"},'
                  ' {"role": "user", "text": "谢谢"}]')
    assert asked_in(transcript) == "公租房怎么申请"
    assert asked_in("[]", "转人工：当前关注事项 CIT-020；用户最近的问题：养老金怎么领｜人工客服") == "养老金怎么领"
    assert asked_in('[{"role": "user", "text": "我要找真人"}]', "用户请求转人工服务") is None
    assert asked_in("not json", "") is None


def _world(client: TestClient) -> None:
    """公租房 asked four ways (one handed off, one rated 不满意), 养老金 twice, a handoff with no logged question,
    a bad rating nothing can be traced to, and a question older than 30 days."""
    ctx = client.app.state.ctx
    for conv, text, outcome, doc in [("a1", "公租房怎么申请", "low_confidence", "CIT-020"),
                                     ("a2", "公租房要怎么申请？", "not_found", None),
                                     ("a3", "请问公租房怎么申请", "low_confidence", "CIT-020"),
                                     ("a4", "公租房怎么申请", "low_confidence", "CIT-021"),
                                     ("b1", "养老金怎么领取", "not_understood", None),
                                     ("b2", "养老金在哪里领取", "not_understood", None)]:
        assert ask(client, conv, text, outcome, **({"doc_id": doc} if doc else {})).status_code == 201
    tickets = [("a3", [{"role": "user", "text": "请问公租房怎么申请"}, {"role": "bot", "text": "抱歉……"},
                       {"role": "user", "text": "转人工"}]),
               ("h1", [{"role": "user", "text": "残疾人两项补贴在哪里办"}, {"role": "user", "text": "人工客服"}])]
    for conv, transcript in tickets:
        r = client.post("/tickets", json={"conversation_id": conv, "kind": "handoff", "transcript": transcript},
                        headers=service_headers(conv))
        assert r.status_code == 201, r.text
    for conv, level, reason in [("a1", "不满意", "答非所问"), ("r1", "非常不满意", None), ("b1", "满意", None)]:
        r = client.post("/ratings", json={"conversation_id": conv, "level": level, "reason": reason},
                        headers=service_headers(conv))
        assert r.status_code == 201, r.text
    old = knowledge_gaps.log_question(ctx, "old", None, "火星移民补贴怎么申请", "not_found")
    with ctx.db.write() as conn:
        conn.execute(t.question_log.update().where(t.question_log.c.id == old["id"])
                     .values(at=ctx.now() - dt.timedelta(days=40)))


def test_the_gap_view_groups_the_log_handoffs_and_bad_ratings(client: TestClient) -> None:
    _world(client)
    out = gaps(client)
    assert out["days"] == 30 and out["total_questions"] == 7 and out["ratings_without_question"] == 1
    housing, pension, disabled = out["groups"]
    assert housing["question"] == "公租房怎么申请" and housing["count"] == 4
    assert housing["outcomes"] == {"low_confidence": 3, "not_found": 1, "not_understood": 0, "handoff": 1}
    assert housing["ratings"] == {"不满意": 1, "非常不满意": 0} and housing["reasons"] == ["答非所问"]
    assert sorted(housing["examples"]) == ["公租房要怎么申请？", "请问公租房怎么申请"]
    assert housing["doc_ids"] == ["CIT-020", "CIT-021"]
    assert pension["count"] == 2 and pension["outcomes"]["not_understood"] == 2
    assert pension["ratings"] == {"不满意": 0, "非常不满意": 0}  # 满意 is no gap
    assert disabled == {**disabled, "question": "残疾人两项补贴在哪里办", "count": 1, "examples": [], "doc_ids": [],
                        "outcomes": {"low_confidence": 0, "not_found": 0, "not_understood": 0, "handoff": 1}}
    assert housing["last_seen"] >= pension["last_seen"][:10]
    longer = gaps(client, days=60)
    assert longer["total_questions"] == 8 and longer["groups"][-1]["question"] == "火星移民补贴怎么申请"
    assert [g["question"] for g in gaps(client, limit=1)["groups"]] == ["公租房怎么申请"]


def test_the_csv_export_has_one_row_per_group_for_excel(client: TestClient) -> None:
    _world(client)
    assert ask(client, "c1", f"=HYPERLINK(\"http://x\") 我的身份证{ELDER}").status_code == 201
    r = client.get("/api/console/gaps.csv", headers=staff_headers(client, "operator"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == list(knowledge_gaps.CSV_COLUMNS) and len(rows) == 1 + 4
    assert rows[1][:8] == ["公租房怎么申请", "4", "3", "1", "0", "1", "1", "0"]
    assert rows[1][9] == "CIT-020 CIT-021" and rows[1][11] == "答非所问"
    injected = next(row for row in rows if "HYPERLINK" in row[0])
    assert injected[0].startswith("'=") and ELDER not in r.text and mask_text(ELDER) in injected[0]


def test_the_gap_view_is_for_operators(client: TestClient) -> None:
    assert client.get("/api/console/gaps").status_code == 401
    assert client.get("/api/console/gaps.csv").status_code == 401
    reviewer = staff_headers(client, "reviewer")
    assert client.get("/api/console/gaps", headers=reviewer).status_code == 403
    assert client.get("/api/console/gaps.csv", headers=reviewer).status_code == 403
    assert client.get("/api/console/gaps", headers=service_headers("a1")).status_code == 403  # not staff
    bad = client.get("/api/console/gaps", params={"days": 0}, headers=staff_headers(client, "operator"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


# ---- personal data ------------------------------------------------------------------------------------------

def test_logged_questions_are_exported_deleted_forgotten_and_expire(client: TestClient) -> None:
    ctx = client.app.state.ctx
    add_elder(client)
    assert ask(client, "pd-before", "高龄津贴怎么申请").status_code == 201  # asked before the login below
    bind(client, ELDER, "pd-before")
    assert ask(client, "pd-before", "长者卡在哪办").status_code == 201
    assert ask(client, "pd-other", "公租房怎么申请").status_code == 201
    assert ask(client, "pd-left", "人才房怎么申请").status_code == 201
    exported = personal_data.export(ctx, ELDER)["questions"]
    assert [q["text"] for q in exported] == ["高龄津贴怎么申请", "长者卡在哪办"]
    done = personal_data.delete(ctx, ELDER, ADMIN)
    assert done["deleted"]["questions"] == 2
    assert personal_data.forget_conversation(ctx, "pd-left", ADMIN)["questions"] == 1
    assert [q["conversation_id"] for q in logged(client)] == ["pd-other"]
    with ctx.db.write() as conn:
        conn.execute(t.question_log.update().values(
            at=ctx.now() - dt.timedelta(days=ctx.settings.transcript_retention_days + 1)))
    assert personal_data.purge(ctx)["questions"] == 1 and logged(client) == []


# ---- speed --------------------------------------------------------------------------------------------------

def _questions(n: int, seed: int = 7) -> List[str]:
    """``n`` questions as people type them: the NLU training data's policy questions, reworded a little,
    with the popular ones asked many times (Zipf-like)."""
    texts: List[str] = []
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                plain = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line.strip()[2:])
                if len(plain) >= 4:
                    texts.append(plain)
    rng = random.Random(seed)
    rng.shuffle(texts)
    heads, tails = ["", "", "请问", "你好，", "想问下"], ["", "", "？", "啊", "呢？"]
    weights = [1.0 / (i + 1) for i in range(len(texts))]
    return [rng.choice(heads) + text + rng.choice(tails) for text in rng.choices(texts, weights, k=n)]


def test_five_thousand_logged_questions_are_grouped_quickly(client: TestClient) -> None:
    ctx = client.app.state.ctx
    now = ctx.now()
    rows = [{"conversation_id": f"perf-{i % 900}", "text": text, "outcome": ("low_confidence", "not_found")[i % 2],
             "score": 1.5, "doc_id": f"ENT-{i % 60:03d}", "at": now - dt.timedelta(minutes=i)}
            for i, text in enumerate(_questions(5000))]
    with ctx.db.write() as conn:
        conn.execute(t.question_log.insert(), rows)
    started = time.perf_counter()
    out = knowledge_gaps.report(ctx, 30, 50)
    took = time.perf_counter() - started
    print(f"knowledge-gap report over 5,000 logged questions: {took * 1000:.0f} ms, "
          f"{len(out['groups'])} groups shown")
    assert out["total_questions"] == 5000 and len(out["groups"]) == 50
    counts = [g["count"] for g in out["groups"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert took < 1.5  # 0.5 s is the target (measured well under it here); the bound leaves room for a busy CI


def test_the_report_is_served_for_an_empty_log(client: TestClient, tmp_path: Path) -> None:
    assert gaps(client) == {"days": 30, "total_questions": 0, "ratings_without_question": 0, "groups": []}
    r = client.get("/api/console/gaps.csv", headers=staff_headers(client, "operator"))
    assert r.status_code == 200 and r.content.decode("utf-8-sig").count("\r\n") == 1
