"""policybot.telemetry: the event lines' formats and masking, the log-format switch, route templates."""

from __future__ import annotations

import io
import json
import logging

import pytest

from policybot import telemetry
from tests.prometheus import captured_events, personal_data

ID_NUMBER = "440309194803150023"
PHONE = "13800138000"


def test_json_lines_mask_whatever_a_field_holds() -> None:
    with captured_events("test") as out:
        telemetry.log_event("request", route="/x", status=200, latency_ms=1.5, note=f"id {ID_NUMBER} tel {PHONE}",
                            nested={"who": PHONE}, absent=None)
    line = json.loads(out.getvalue())
    assert list(line)[:4] == ["ts", "level", "service", "event"]
    assert (line["service"], line["event"], line["status"], line["latency_ms"]) == ("test", "request", 200, 1.5)
    assert "absent" not in line and ID_NUMBER not in out.getvalue() and PHONE not in out.getvalue()
    assert personal_data(out.getvalue().splitlines()) == []
    assert line["note"].startswith("id 4403") and line["nested"]["who"] != PHONE


def test_the_format_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(telemetry.FORMAT_ENV, "bogus")
    with pytest.raises(ValueError):
        telemetry.configure_events("test", stream=io.StringIO())
    monkeypatch.setenv(telemetry.FORMAT_ENV, "TEXT")
    buffer = io.StringIO()
    telemetry.configure_events("test", stream=buffer)
    try:
        telemetry.log_event("turn", channel="rest", note="two words")
        assert buffer.getvalue().rstrip().endswith('turn service=test channel=rest note="two words"')
        telemetry.configure_events("test", stream=buffer)  # again: replaced, not a second handler
        assert len([h for h in logging.getLogger(telemetry.EVENTS).handlers
                    if isinstance(h, telemetry._EventHandler)]) == 1
    finally:
        telemetry.configure_events("test", fmt="off")
    monkeypatch.delenv(telemetry.FORMAT_ENV)
    assert telemetry.log_format() == "json"  # the default


def test_event_lines_stay_out_of_the_human_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO), captured_events("test") as out:
        telemetry.log_event("action", action="action_x")
    assert out.getvalue() and not [r for r in caplog.records if r.name == telemetry.EVENTS]


def test_route_template_never_the_raw_path() -> None:
    assert telemetry.route_template({"path": f"/profiles/{ID_NUMBER}"}) == "unmatched"

    class Route:
        path = "/profiles/{profile_id}"

    assert telemetry.route_template({"path": f"/profiles/{ID_NUMBER}", "route": Route()}) == "/profiles/{profile_id}"
