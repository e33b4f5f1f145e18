"""The masking log filter and formatter, install(), the logging YAML for Rasa and the action server, and
the suite-wide log check of tests/conftest.py."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from privacy.logging import MaskingFilter, MaskingFormatter, install
from tests.conftest import leaks_in

ROOT = Path(__file__).resolve().parents[2]
ID = "440309194803150023"
PHONE = "13812345678"


def record(msg: object, args: object = None, exc_info: object = None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]
    made.__dict__.update(extra)
    return made


def formatted(rec: logging.LogRecord) -> str:
    return logging.Formatter("%(message)s").format(rec)


def test_the_message_and_tuple_args_are_masked() -> None:
    rec = record("GET /profiles/%s HTTP/1.1 phone %s n=%d", (ID, PHONE, 3))
    MaskingFilter().filter(rec)
    assert rec.getMessage() == "GET /profiles/440309********0023 HTTP/1.1 phone 138****5678 n=3"
    rec = record(f"身份证{ID}")
    MaskingFilter().filter(rec)
    assert rec.getMessage() == "身份证440309********0023"


def test_dict_args_are_masked() -> None:
    rec = record("%(who)s called from %(phone)s, %(n)d times", {"who": ID, "phone": PHONE, "n": 2})
    MaskingFilter().filter(rec)
    assert rec.getMessage() == "440309********0023 called from 138****5678, 2 times"


def test_objects_and_numbers_holding_personal_data_are_masked() -> None:
    tracker = {"sender_id": PHONE, "slots": {"id_number": ID}, "turns": 4}
    rec = record("tracker %s / %r", (tracker, tracker))
    MaskingFilter().filter(rec)
    assert ID not in rec.getMessage() and PHONE not in rec.getMessage() and "'turns': 4" in rec.getMessage()
    rec = record("phone as a number: %d", (int(PHONE),))
    MaskingFilter().filter(rec)
    assert rec.getMessage() == "phone as a number: 138****5678"


def test_exception_text_is_masked() -> None:
    try:
        raise ValueError(f"no profile {ID}")
    except ValueError:
        rec = record("lookup failed", exc_info=sys.exc_info())
    MaskingFilter().filter(rec)
    text = formatted(rec)
    assert "Traceback" in text and ID not in text and "ValueError: no profile 440309********0023" in text


def test_a_traceback_already_formatted_and_extras_are_masked() -> None:
    rec = record("x", exc_text=f"Traceback ...\nKeyError: '{ID}'", client_addr=f"{PHONE}", status_code=200)
    rec.message = f"stale {ID}"
    rec.stack_info = f"Stack (most recent call last):\n  lookup('{PHONE}')"
    MaskingFilter().filter(rec)
    assert ID not in rec.exc_text and PHONE not in rec.client_addr and ID not in rec.message  # type: ignore[attr-defined, operator]
    assert PHONE not in (rec.stack_info or "") and rec.status_code == 200  # type: ignore[attr-defined]


def test_the_filter_never_drops_a_record_and_keeps_the_rest() -> None:
    rec = record("policy %s opens on %s for %s元", ("ENT-011", "2026-12-02", "1,000,000"))
    assert MaskingFilter().filter(rec) is True
    assert rec.getMessage() == "policy ENT-011 opens on 2026-12-02 for 1,000,000元"


def test_uvicorn_access_records_keep_their_argument_tuple() -> None:
    from uvicorn.logging import AccessFormatter

    rec = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                            ("127.0.0.1:5000", "GET", f"/profiles/{ID}", "1.1", 200), None)
    MaskingFilter().filter(rec)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(rec)
    assert line == '127.0.0.1:5000 - "GET /profiles/440309********0023 HTTP/1.1" 200 OK'


def test_the_formatter_masks_the_whole_line() -> None:
    rec = record("user %s", (ID,), exc_info=None, sender=PHONE)
    line = MaskingFormatter("%(sender)s %(message)s").format(rec)
    assert line == "138****5678 user 440309********0023"
    inner = logging.Formatter("[%(name)s] %(message)s")
    assert MaskingFormatter(inner=inner).format(record(f"电话{PHONE}")) == "[test] 电话138****5678"


@pytest.fixture()
def isolated() -> Iterator[logging.Logger]:
    logger = logging.getLogger("privacy-test")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger
    logger.handlers.clear()
    logger.filters.clear()


def test_install_puts_one_filter_on_handlers_and_is_idempotent(isolated: logging.Logger) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    isolated.addHandler(handler)
    install("privacy-test")
    install("privacy-test")
    assert sum(isinstance(f, MaskingFilter) for f in handler.filters) == 1
    assert sum(isinstance(f, MaskingFilter) for f in isolated.filters) == 1
    assert any(isinstance(f, MaskingFilter) for f in logging.getLogger().filters)
    child = logging.getLogger("privacy-test.child")  # no filter of its own: the handler's masks it
    child.info("身份证%s", ID)
    isolated.warning("电话 %s", PHONE)
    assert out.getvalue() == "身份证440309********0023\n电话 138****5678\n"


def test_the_logging_yaml_works_for_rasa_and_the_action_server(tmp_path: Path) -> None:
    """Both servers swallow a broken logging config silently, so the check is that lines come out masked."""
    script = f"""
import logging, sys
which = sys.argv[1]
if which == "rasa":
    from rasa.utils.common import configure_logging_from_file
    configure_logging_from_file("privacy/logging.yml")
    import rasa.utils.io
    rasa.utils.io.configure_colored_logging("INFO")  # what `rasa run` does next: replaces the handler
    import bot  # noqa: F401  (loading the model imports our components, and with them the warning capture)
    import rasa.shared.utils.io
    # what Rasa does with an unparsable "/intent{{...}}" message: the whole text in a warning
    rasa.shared.utils.io.raise_warning('Failed to parse arguments in line /inform{{"profile_id": "{ID}"}}')
else:
    from rasa_sdk.utils import configure_file_logging, update_sanic_log_level
    configure_file_logging(logging.getLogger("rasa_sdk"), None, "INFO", "privacy/logging.yml")
    update_sanic_log_level()
from privacy.logging import MaskingFilter
assert any(isinstance(f, MaskingFilter) for h in logging.getLogger().handlers for f in h.filters), "not applied"
logging.getLogger("rasa.core.processor").info("message from %s: 身份证{ID}", "{PHONE}")
logging.getLogger("sanic.error").error("bad request /conversations/{PHONE}/tracker")
try:
    raise KeyError("{ID}")
except KeyError:
    logging.getLogger("rasa_sdk.endpoint").exception("action failed")
"""
    for which in ("rasa", "rasa_sdk"):
        done = subprocess.run([sys.executable, "-c", script, which], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
        out = done.stdout + done.stderr
        assert done.returncode == 0, out[-2000:]
        assert "138****5678" in out and "440309********0023" in out and "KeyError: '440309********0023'" in out
        assert ID not in out and PHONE not in out and "bad request /conversations/138****5678/tracker" in out
        if which == "rasa":
            assert "Failed to parse arguments" in out and "440309********0023" in out


# the suite-wide check of tests/conftest.py

def test_leaks_in_finds_unmasked_id_numbers_and_phones_and_shows_them_masked() -> None:
    lines = [
        "2026-12-02 10:11:12,345 INFO rasa.core  - user said 身份证440309194803150029\n",  # mistyped: still a leak
        '127.0.0.1:5000 - "GET /profiles/440309********0023 HTTP/1.1" 200\n',
        f"sender {PHONE} asked about ENT-011\n",
        "took 1732700000123 ns, thread 140234567890123, event 1733150000.1234567\n",
        "company 914403007503491055 and 91440309MA5H2KQ3XC\n",
    ]
    leaks = leaks_in(lines, "var/logs/rasa.log")
    assert [(leak.source, leak.kind) for leak in leaks] == [("var/logs/rasa.log:1", "id_number"),
                                                            ("var/logs/rasa.log:3", "phone")]
    assert leaks[0].line.endswith("身份证440309********0029") and PHONE not in leaks[1].line


def test_leaks_in_passes_masked_lines() -> None:
    assert leaks_in(["user said 身份证440309********0023, phone 138****5678, card ****0123"]) == []
    assert leaks_in(["counter 990105194912310021 and 123456789012345"]) == []  # no region and birth date
