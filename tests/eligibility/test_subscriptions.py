"""Subscriptions to application-window reminders, on SQLite and PostgreSQL: create, idempotent repeat (also
under concurrent requests and when the look-up misses), unknown topics, list, delete, the due window.
The action server subscribes for the conversation it speaks for; a subscription is that conversation's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from eligibility.profiles.store import insert_profiles
from eligibility.services import subscriptions
from eligibility.storage import tables as t
from tests.eligibility.conftest import bind, doc, service_headers, staff_headers, write_corpus, write_modes

ELDER = PERSONAS[3].id  # a citizen ID number: masked in every answer
GRADUATE = PERSONAS[4].id

# TODAY in conftest is 2026-11-27
DOCS = [
    doc("ENT-901", [], category="人才", title="人才测试政策一", window={"start": "2026-12-10", "end": "2027-01-20", "text": "12月10日起"}),
    doc("ENT-902", [], category="人才", window={"start": "2026-11-01", "end": "2026-12-05", "text": "12月5日截止"}),
    doc("ENT-903", [], category="科技创新", window={"start": "2027-03-01", "end": "2027-03-31", "text": "明年3月"}),
    doc("ENT-904", [], category="科技创新"),  # always open (configuration)
    doc("ENT-905", [], category="人才"),  # recurring configured window: 1 to 20 January every year
    doc("CIT-901", [], audience="citizen", category="教育",
        window={"start": "2026-12-27", "end": "2027-01-10", "text": "30天后开始"}),
]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", DOCS)


@pytest.fixture()
def modes(tmp_path: Path) -> Path:
    return write_modes(tmp_path / "modes.yaml", [], [
        {"id": "ENT-904", "always_open": True, "basis": "demo", "text": "常年受理"},
        {"id": "ENT-905", "start": "2025-01-05", "end": "2025-01-20", "recurring": True, "basis": "demo",
         "text": "每年1月"}])


def _rows(client: TestClient, conversation_id: str = "") -> int:
    q = sa.select(sa.func.count()).select_from(t.subscriptions)
    if conversation_id:
        q = q.where(t.subscriptions.c.conversation_id == conversation_id)
    with client.app.state.ctx.db.read() as conn:
        return int(conn.execute(q).scalar() or 0)


def _citizen(client: TestClient, pid: str, name: str) -> None:
    """A data-account entry with a mobile (these apps are not seeded), so that a conversation can bind to it."""
    ctx = client.app.state.ctx
    with ctx.db.write() as conn:
        insert_profiles(conn, [{"id": pid, "kind": "citizen", "name": name, "sources": {}, "values": {}}],
                        ctx.policies.catalogue)


def _create_repeat_list_delete(client: TestClient) -> None:
    conv1, conv2 = service_headers("conv-1"), service_headers("conv-2")
    assert client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "人才"}).status_code == 401
    # a conversation subscribes for itself only
    assert client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "人才"},
                       headers=conv2).status_code == 403
    first = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "人才"}, headers=conv1)
    assert first.status_code == 201, first.json()
    sub = first.json()
    assert sub["topic"] == "人才" and sub["topic_kind"] == "category" and sub["label"] == "「人才」类政策"
    assert sub["policies"] == 3 and sub["existing"] is False and sub["profile_id"] is None
    again = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": " 人才 "}, headers=conv1)
    assert again.status_code == 200 and again.json()["id"] == sub["id"] and again.json()["existing"] is True
    assert _rows(client, "conv-1") == 1
    # another conversation, or another topic, is another subscription
    other = client.post("/subscriptions", json={"conversation_id": "conv-2", "topic": "人才"}, headers=conv2)
    assert other.status_code == 201 and other.json()["id"] != sub["id"]
    # naming a person needs the conversation bound to that person
    unbound = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "ent-901", "profile_id": ELDER},
                          headers=conv1)
    assert unbound.status_code == 403 and unbound.json()["error"]["code"] == "not_bound"
    _citizen(client, ELDER, "陈桂兰")
    bind(client, ELDER, "conv-1")
    policy = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "ent-901", "profile_id": ELDER},
                         headers=conv1)
    assert policy.status_code == 201, policy.json()
    assert policy.json()["topic"] == "ENT-901" and policy.json()["topic_kind"] == "policy"
    assert policy.json()["label"] == "「人才测试政策一」" and policy.json()["policies"] == 1
    assert ELDER not in policy.text and policy.json()["profile_id"].endswith("0023")
    everything = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "全部政策"}, headers=conv1)
    assert everything.status_code == 201 and everything.json()["topic"] == "all"
    assert everything.json()["policies"] == len(DOCS)
    assert client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "all"}, headers=conv1).status_code == 200

    listed = client.get("/subscriptions", params={"conversation_id": "conv-1"}, headers=conv1)
    assert listed.json()["count"] == 3 and [s["topic"] for s in listed.json()["subscriptions"]] == ["人才", "ENT-901", "all"]
    assert ELDER not in listed.text
    # another conversation or no login reads nothing; an operator reads the same list
    assert client.get("/subscriptions", params={"conversation_id": "conv-1"}).status_code == 401
    assert client.get("/subscriptions", params={"conversation_id": "conv-1"}, headers=conv2).status_code == 403
    assert client.get("/subscriptions", params={"conversation_id": "conv-1"},
                      headers=staff_headers(client, "operator")).json() == listed.json()
    assert client.get("/subscriptions", params={"conversation_id": "nobody"},
                      headers=service_headers("nobody")).json() == {"count": 0, "subscriptions": []}

    for headers in ({}, conv2):  # neither a stranger nor another conversation may cancel it
        assert client.delete(f"/subscriptions/{sub['id']}", headers=headers).status_code in (401, 403)
        assert client.get(f"/subscriptions/{sub['id']}/due", headers=headers).status_code in (401, 403)
    gone = client.delete(f"/subscriptions/{sub['id']}", headers=conv1)
    assert gone.status_code == 204 and not gone.content
    # gone: its conversation hears what anyone hears for an id that is not theirs; the hotline hears 404
    missing = client.delete(f"/subscriptions/{sub['id']}", headers=conv1)
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "forbidden"
    missing = client.delete(f"/subscriptions/{sub['id']}", headers=staff_headers(client, "operator"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "subscription_not_found"
    assert [s["topic"] for s in client.get("/subscriptions", params={"conversation_id": "conv-1"}, headers=conv1).json()
            ["subscriptions"]] == ["ENT-901", "all"]
    renewed = client.post("/subscriptions", json={"conversation_id": "conv-1", "topic": "人才"}, headers=conv1)
    assert renewed.status_code == 201 and renewed.json()["id"] != sub["id"]


def _errors(client: TestClient) -> None:
    _citizen(client, GRADUATE, "李思涵")
    bind(client, GRADUATE, "conv-e")
    conv = service_headers("conv-e")
    for topic in ("火星移民", "ENT-999", "人才政策大全"):
        r = client.post("/subscriptions", json={"conversation_id": "conv-e", "topic": topic}, headers=conv)
        assert r.status_code == 422, r.json()
        error = r.json()["error"]
        assert error["code"] == "unknown_topic" and "unknown topic" in error["detail"]
        assert "订阅" in error["message"] and "人才" in error["categories"]
    bad_id = client.post("/subscriptions", json={"conversation_id": "conv-e", "topic": "人才", "profile_id": "123"},
                         headers=conv)
    assert bad_id.status_code == 422 and bad_id.json()["error"]["detail"]
    for body in ({"topic": "人才"}, {"conversation_id": "c", "topic": "   "}, {"conversation_id": "c", "topic": "人才", "x": 1},
                 {"conversation_id": "c" * 81, "topic": "人才"}):
        r = client.post("/subscriptions", json=body, headers=conv)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert client.get("/subscriptions", headers=conv).status_code == 422
    assert client.get("/subscriptions/DY404/due", headers=conv).json()["error"]["code"] == "forbidden"
    assert client.get("/subscriptions/DY404/due", headers=staff_headers(client, "operator")
                      ).json()["error"]["code"] == "subscription_not_found"
    assert _rows(client) == 0


def _due(client: TestClient) -> None:
    conv = service_headers("conv-due")

    def due(topic: str, **params: int) -> list:
        sub = client.post("/subscriptions", json={"conversation_id": "conv-due", "topic": topic}, headers=conv).json()
        r = client.get(f"/subscriptions/{sub['id']}/due", params=params, headers=conv)
        assert r.status_code == 200, r.json()
        return [(i["policy_id"], i["event"], i["date"], i["days_until"]) for i in r.json()["reminders"]]

    assert due("人才") == [("ENT-902", "closes", "2026-12-05", 8), ("ENT-901", "opens", "2026-12-10", 13)]
    assert due("人才", within_days=60) == [
        ("ENT-902", "closes", "2026-12-05", 8), ("ENT-901", "opens", "2026-12-10", 13),
        ("ENT-905", "opens", "2027-01-05", 39), ("ENT-901", "closes", "2027-01-20", 54),
        ("ENT-905", "closes", "2027-01-20", 54)]
    assert due("科技创新", within_days=366) == [("ENT-903", "opens", "2027-03-01", 94), ("ENT-903", "closes", "2027-03-31", 124)]
    assert due("ENT-904", within_days=366) == []  # always open: nothing opens or closes
    assert due("all") == [("ENT-902", "closes", "2026-12-05", 8), ("ENT-901", "opens", "2026-12-10", 13),
                          ("CIT-901", "opens", "2026-12-27", 30)]
    assert due("all", within_days=7) == []
    sub = client.post("/subscriptions", json={"conversation_id": "conv-due", "topic": "人才"}, headers=conv).json()
    body = client.get(f"/subscriptions/{sub['id']}/due", headers=conv).json()
    assert body["date"] == "2026-11-27" and body["within_days"] == 30 and body["subscription"]["id"] == sub["id"]
    assert body["reminders"][0]["window"]["end"] == "2026-12-05" and body["reminders"][0]["title"]
    assert client.get(f"/subscriptions/{sub['id']}/due", params={"within_days": 367}, headers=conv).status_code == 422


def _concurrent(client: TestClient) -> None:
    conv = service_headers("conv-race")

    def post(_: int) -> tuple:
        r = client.post("/subscriptions", json={"conversation_id": "conv-race", "topic": "科技创新"}, headers=conv)
        return r.status_code, r.json()["id"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(24)))
    codes = [c for c, _ in results]
    assert codes.count(201) == 1 and codes.count(200) == 23, codes
    assert len({i for _, i in results}) == 1
    assert _rows(client, "conv-race") == 1


def _lookup_misses(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that does not see the other's row (the race) hits the unique constraint, and answers with it."""
    conv = service_headers("conv-miss")
    created = client.post("/subscriptions", json={"conversation_id": "conv-miss", "topic": "ENT-903"}, headers=conv).json()
    real = subscriptions._find
    calls = []

    def blind_once(conn, conversation_id, topic):  # type: ignore[no-untyped-def]
        calls.append(topic)
        return None if len(calls) == 1 else real(conn, conversation_id, topic)

    monkeypatch.setattr(subscriptions, "_find", blind_once)
    r = client.post("/subscriptions", json={"conversation_id": "conv-miss", "topic": "ENT-903"}, headers=conv)
    assert r.status_code == 200 and r.json()["id"] == created["id"] and len(calls) == 2
    assert _rows(client, "conv-miss") == 1


def _all(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _errors(client)
    _create_repeat_list_delete(client)
    _due(client)
    _concurrent(client)
    _lookup_misses(client, monkeypatch)


def test_subscriptions_sqlite(corpus: Path, modes: Path, make_client: Callable[..., TestClient],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    _all(make_client(corpus=corpus, modes=modes, seed_demo=False), monkeypatch)


@pytest.mark.postgres
def test_subscriptions_postgres(corpus: Path, modes: Path, make_client: Callable[..., TestClient], fresh_pg: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    _all(make_client(url=fresh_pg, corpus=corpus, modes=modes, seed_demo=False), monkeypatch)


def test_an_existing_database_gets_the_table_by_migration(tmp_path: Path) -> None:
    from eligibility.storage.db import Database
    from eligibility.storage.migrations import migrate

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(db)
    with db.write() as conn:  # the database as it was before subscriptions existed
        conn.execute(sa.text("DROP TABLE subscriptions"))
        conn.execute(sa.text("DELETE FROM schema_version WHERE version = 3"))
    assert migrate(db) == ["3: subscriptions to application-window reminders"]
    with db.read() as conn:
        assert sa.inspect(conn).has_table("subscriptions")
        uniques = sa.inspect(conn).get_unique_constraints("subscriptions")
    assert [u["column_names"] for u in uniques] == [["conversation_id", "topic"]]
    assert migrate(db) == []
