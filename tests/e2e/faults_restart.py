"""Restart of everything in the default profile (`make run`), issue 13 point 3: `make faults` runs this file; the
whole suite does not (the name is not test_*.py: a restart of all four servers costs one more start of Rasa,
1-4 minutes on these shared cores). The production profile's full restart is in tests/e2e/test_production.py.

The default profile keeps its state on disk in the eligibility service's SQLite file (applications, ratings,
tickets, the outbox, bindings); Rasa's tracker store is in memory there (README: it is the production profile
that keeps conversations), so a restart forgets the turns but not who the conversation is bound to. After every
service is stopped and started again (the same ports, files and secrets, as `make run` does), each thing written
before is read back through the API, and the same conversation, still bound, lists its application without
verifying again."""

from __future__ import annotations

import time

import pytest

from policybot.supervisor import Stack
from tests.e2e.conftest import api, staff_token, text_of
from tests.e2e.test_faults import (
    HUAXIN,
    Talk,
    application_ids,
    apply_policies,
    bound_to_huaxin,
    closed_first,
    no_application_left_open,
)

pytestmark = pytest.mark.e2e
__all__ = ["no_application_left_open"]  # the fixture, used here too


def read_back(stack: Stack, talk: Talk, application: str, ticket: str) -> dict:
    operator = staff_token(stack, "operator")
    return {"application": api(stack, "GET", f"/applications/{application}", operator)["status"],
            "ticket": api(stack, "GET", f"/tickets/{ticket}", operator)["summary"],
            "ratings": [r["level"] for r in talk.as_action_server("GET", "/me/data")["ratings"]],
            "outbox": {m["id"]: m["body"] for m in api(stack, "GET", f"/outbox?subject_id={HUAXIN}&limit=500",
                                                        operator)["messages"]}}


def test_a_full_restart_of_the_default_profile_keeps_what_is_on_disk(stack: Stack) -> None:
    talk = Talk(stack, "restart")
    policy = apply_policies(bound_to_huaxin(talk))[0]
    closed_first(stack, policy)
    talk(f'/apply{{"policy": "{policy}"}}')
    applied = application_ids(talk("/affirm"))
    rated = text_of(talk('/rate_service{"rating": "不满意"}'))
    assert len(applied) == 1 and "工单号" in rated, rated
    ticket = rated.split("工单号")[1].split("，")[0].strip()
    before = read_back(stack, talk, applied[0], ticket)
    assert "不满意" in before["ratings"] and any(applied[0] in body for body in before["outbox"].values()), before
    stack.stop()
    started = time.time()
    stack.start(timeout=600)
    print(f"all four services healthy again {time.time() - started:.0f} s after the restart")
    assert read_back(stack, talk, applied[0], ticket) == before
    # the conversation's turns were in Rasa's memory; its binding is on disk: no code asked, the application listed
    status = text_of(talk("申报进度"))
    assert applied[0] in status and "验证" not in status, status
    assert talk.tracker()["slots"]["profile_id"]  # set again from the binding
