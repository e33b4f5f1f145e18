"""A new policy file works after a reload with no code change; storage behaves the same on SQLite and
PostgreSQL (migrations, one-transaction writes, idempotency under concurrent retries, 免申即享)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from eligibility.profiles.demo import PERSONAS
from eligibility.storage import tables as t
from knowledge.corpus import rules_dir
from tests.eligibility.conftest import doc, minted, staff_headers, subject_headers, write_corpus, write_modes

HIGH_TECH = PERSONAS[0].id


def _corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", [
        doc("ENT-901", [{"field": "registered_district", "op": "in", "value": ["龙华区"], "text": "在龙华区注册"},
                        {"field": "qualifications", "op": "contains", "value": "国家高新技术企业", "text": "国家高新技术企业"}],
            mode="秒批", materials=["营业执照", "研发费用专项审计报告"]),
        doc("ENT-902", [{"field": "qualifications", "op": "contains", "value": "国家高新技术企业", "text": "国家高新技术企业"},
                        {"field": "registered_district", "op": "in", "value": ["龙华区"], "text": "在龙华区注册"}],
            mode="免申即享"),
    ])


def _modes(tmp_path: Path) -> Path:
    return write_modes(tmp_path / "modes.yaml", [
        {"id": "ENT-901", "handling": "秒批", "basis": "demo"}, {"id": "ENT-902", "handling": "免申即享", "basis": "demo"},
        {"id": "ENT-903", "handling": "秒批", "basis": "demo"}])


def _journey(client: TestClient, corpus: Path) -> None:
    assert client.get("/health").json()["policies"] == 2
    assert client.get("/policies/ENT-903").status_code == 404
    # a new YAML file with a field no code knows about
    write_corpus(corpus, [doc("ENT-903", [
        {"field": "registered_district", "op": "in", "value": ["龙华区"], "text": "在龙华区注册"},
        {"field": "drone_pilot_licences_count", "op": ">=", "value": 2, "text": "持证无人机飞手不少于2人"}])])
    assert client.post("/admin/reload").status_code == 401
    for role in ("operator", "reviewer"):
        assert client.post("/admin/reload", headers=staff_headers(client, role)).status_code == 403
    reloaded = client.post("/admin/reload", headers=staff_headers(client, "admin")).json()
    assert reloaded["policies"] == 3
    adhoc = client.post("/match", json={"fields": {"registered_district": "龙华区", "drone_pilot_licences_count": 3}})
    assert {r["policy_id"]: r["status"] for r in adhoc.json()["results"]}["ENT-903"] == "eligible"
    me = subject_headers(client, HIGH_TECH)
    stored = client.post("/match", json={"profile_id": HIGH_TECH}, headers=me).json()
    r903 = {r["policy_id"]: r for r in stored["results"]}["ENT-903"]
    assert r903["status"] == "needs_information" and r903["unknown"][0]["missing"] == ["drone_pilot_licences_count"]
    assert stored["next_question"]["field"] == "drone_pilot_licences_count"
    app = client.post("/applications", json={"profile_id": HIGH_TECH, "policy_id": "ENT-903",
                                             "fields": {"drone_pilot_licences_count": 4}, "idempotency_key": "new-yaml-1"},
                      headers=me)
    assert app.status_code == 201, app.json()
    # 秒批 needs every condition met on verified data: the declared licence count sends it to review
    assert app.json()["status"] == "under_review" and app.json()["rule_trail"]["decision"] == "转人工审核"
    instant = client.post("/applications", json={"profile_id": HIGH_TECH, "policy_id": "ENT-901"}, headers=me).json()
    assert instant["status"] == "approved"
    assert instant["licences"]["covered"][0]["licence"] == "营业执照"
    assert instant["licences"]["to_upload"] == ["研发费用专项审计报告"]


def test_an_edited_rule_file_alone_takes_effect_on_reload(tmp_path: Path,
                                                          make_client: Callable[..., TestClient]) -> None:
    """A policy's rules live in knowledge/rules, apart from its text: editing them is a change of the policy set."""
    corpus = _corpus(tmp_path)
    client = make_client(corpus=corpus, modes=_modes(tmp_path), seed_demo=False)
    fields = {"registered_district": "龙华区", "qualifications": ["国家高新技术企业"]}

    def status() -> str:
        results = client.post("/match", json={"fields": fields}).json()["results"]
        return {r["policy_id"]: r["status"] for r in results}["ENT-901"]

    version = client.get("/health").json()["ruleset_version"]
    assert status() == "eligible"
    path = rules_dir(corpus) / "enterprise" / "ENT-901.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("龙华区", "龙岗区"), encoding="utf-8")
    assert status() == "eligible"  # the running set is kept until a reload
    reloaded = client.post("/admin/reload", headers=staff_headers(client, "admin")).json()
    assert reloaded["corpus_errors"] == [] and reloaded["ruleset_version"] != version
    assert status() == "not_eligible"


def test_new_policy_file_is_matched_and_applied_for_after_reload_sqlite(
        tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    corpus = _corpus(tmp_path)
    _journey(make_client(corpus=corpus, modes=_modes(tmp_path)), corpus)


@pytest.mark.postgres
def test_new_policy_file_is_matched_and_applied_for_after_reload_postgres(
        tmp_path: Path, make_client: Callable[..., TestClient], fresh_pg: str) -> None:
    corpus = _corpus(tmp_path)
    _journey(make_client(url=fresh_pg, corpus=corpus, modes=_modes(tmp_path)), corpus)


def _concurrent_retries(client: TestClient) -> None:
    ctx = client.app.state.ctx
    ids = [p for p in ctx.policies.policies]
    assert "ENT-901" in ids
    with ctx.db.read() as conn:
        targets = conn.execute(sa.select(t.profiles.c.id).where(t.profiles.c.kind == "enterprise",
                                                                t.profiles.c.registered_district == "龙华区")
                               .limit(12)).scalars().all()

    headers = {pid: minted(client, pid) for pid in targets}  # each applies with its own login

    def post(i: int) -> int:
        pid = targets[i % len(targets)]
        r = client.post("/applications", json={"profile_id": pid, "policy_id": "ENT-901", "idempotency_key": f"retry-{pid}"},
                        headers=headers[pid])
        return r.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, range(len(targets) * 4)))
    assert set(codes) <= {200, 201, 422}, codes  # 422: a profile that does not qualify
    assert codes.count(201) == len({p for p, c in zip([targets[i % len(targets)] for i in range(len(codes))], codes)
                                    if c in (200, 201)})
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(t.applications.c.profile_id, sa.func.count()).where(
            t.applications.c.policy_id == "ENT-901").group_by(t.applications.c.profile_id)).all()
    assert rows and all(n == 1 for _, n in rows)


def test_concurrent_retries_make_one_application_each_sqlite(tmp_path: Path,
                                                             make_client: Callable[..., TestClient]) -> None:
    _concurrent_retries(make_client(corpus=_corpus(tmp_path), modes=_modes(tmp_path)))


@pytest.mark.postgres
def test_concurrent_retries_make_one_application_each_postgres(
        tmp_path: Path, make_client: Callable[..., TestClient], fresh_pg: str) -> None:
    _concurrent_retries(make_client(url=fresh_pg, corpus=_corpus(tmp_path), modes=_modes(tmp_path)))


def _grants_and_rollback(client: TestClient) -> None:
    from eligibility.services import grants

    ctx = client.app.state.ctx
    done = grants.run(ctx)
    policy = ctx.policies.get("ENT-902")
    assert policy is not None
    expected = set(grants.eligible_python(ctx, policy))
    assert done["policies"]["ENT-902"] == len(expected) > 0
    assert grants.run(ctx)["grants_created"] == 0
    with ctx.db.read() as conn:
        notified = set(conn.execute(sa.select(t.notifications.c.profile_id).where(
            t.notifications.c.kind == "grant")).scalars())
    assert notified == expected
    # a write that fails half-way leaves nothing behind
    me = minted(client, HIGH_TECH)
    before = client.get(f"/profiles/{HIGH_TECH}/notifications", headers=me).json()["count"]
    with pytest.raises(RuntimeError), ctx.db.write() as conn:
        conn.execute(t.notifications.insert().values(profile_id=HIGH_TECH, kind="test", title="x", body="y",
                                                     created_at=ctx.now()))
        raise RuntimeError("boom")
    assert client.get(f"/profiles/{HIGH_TECH}/notifications", headers=me).json()["count"] == before


def test_grants_sqlite(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    _grants_and_rollback(make_client(corpus=_corpus(tmp_path), modes=_modes(tmp_path)))


@pytest.mark.postgres
def test_grants_postgres(tmp_path: Path, make_client: Callable[..., TestClient], fresh_pg: str) -> None:
    _grants_and_rollback(make_client(url=fresh_pg, corpus=_corpus(tmp_path), modes=_modes(tmp_path)))


def test_migrations_add_new_field_columns_and_are_recorded(tmp_path: Path) -> None:
    from eligibility.storage.db import Database
    from eligibility.storage.migrations import migrate

    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrate(db)[:2] == ["1: initial tables", "2: indexes for grants by policy and tickets by due date"]
    with db.write() as conn:
        conn.execute(sa.text("ALTER TABLE profiles DROP COLUMN employees"))
    assert migrate(db) == ["added field columns: employees"]
    assert migrate(db) == []
    with db.read() as conn:
        assert [r[0] for r in conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version"))] == [1, 2, 3, 4, 5, 6]
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
