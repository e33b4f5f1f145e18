"""Suite-wide: no log line of a test session may hold an unmasked ID number or mobile number.

Two sources are checked:
- every record that reaches the root logger of the pytest process, as the code logged it: the watching
  handler sits first among the root's handlers and ignores the masking filters ``privacy.logging.install``
  adds to every root handler, so a code path that logs personal data is caught whatever else ran before;
- at the end of the session, every ``*.log`` file under ``var/logs/`` (the servers the end-to-end tests
  start write there, see policybot/supervisor.py) and under pytest's basetemp modified during the session.

A leak sets the exit status to 1 and is printed masked, with its kind and where it was found; nothing
raw is kept (findings are masked as they are found) and nothing is written to disk.

Bank accounts are not part of this check: in logs, 12-30 digit runs are mostly millisecond and
nanosecond timestamps and thread ids. ID numbers must look real (a province code and a birth date), so
15- and 18-digit counters are not reported either; a mistyped check digit is still reported.
"""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path
from typing import Iterable, List, NamedTuple, Optional

import pytest

from privacy.masking import find_personal_data, mask_text, plausible_id_number

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "var" / "logs"
MAX_REPORTED = 50


class Leak(NamedTuple):
    source: str  # a file and line, or "log record <logger>"
    kind: str  # id_number or phone
    line: str  # masked


def leaks_in(lines: Iterable[str], source: str = "log", numbered: bool = True) -> List[Leak]:
    """The lines holding an unmasked ID number or mobile number, masked, with the kind found."""
    found = []
    for number, line in enumerate(lines, 1):
        for kind, start, end in find_personal_data(line):
            if kind == "phone" or (kind == "id_number" and plausible_id_number(line[start:end])):
                where = f"{source}:{number}" if numbered else source
                found.append(Leak(where, kind, mask_text(line.rstrip("\n"))[:300]))
                break
    return found


class _Watch(logging.Handler):
    """Checks every record that reaches the root logger, before any handler's masking filter."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.leaks: List[Leak] = []

    def handle(self, record: logging.LogRecord) -> bool:  # no filters: see what the code logged
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.leaks) >= MAX_REPORTED:
            return
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the logging module's to report
            return
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        self.leaks.extend(leaks_in(text.splitlines(), f"log record {record.name}", numbered=False))


_watch = _Watch()
_started = 0.0


def pytest_sessionstart(session: pytest.Session) -> None:
    global _started
    _started = time.time()
    root = logging.getLogger()
    if _watch not in root.handlers:
        root.handlers.insert(0, _watch)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)


# Test files that start Rasa, so need the trained model. On a clone without the model it trains in the background
# meanwhile (one core for TensorFlow, the other for the tests that need no model), and these tests wait for it on
# the training lock (policybot/train.py).
# - One process (plain `pytest`): they run last.
# - pytest-xdist (`make test`: `-n 2 --dist loadgroup`): they form one group, "model", which runs first on one
#   worker (one Rasa stack at a time, started once) while the other worker takes the rest file by file (a file's
#   tests stay together, so its fixtures are built once); the controller, which sees every worker's collection,
#   starts the training once.
NEEDS_MODEL = ("tests/e2e/", "tests/bot/test_rasa_speedups_model.py")
MODEL_GROUP = "model"
_training: Optional[subprocess.Popen[bytes]] = None
_worker_leaks: List[Leak] = []


def needs_model(nodeid: str) -> bool:
    return any(nodeid.startswith(prefix) for prefix in NEEDS_MODEL)


def group_of(nodeid: str) -> str:
    """The xdist group of a test: the model's group, else its file."""
    return MODEL_GROUP if needs_model(nodeid) else nodeid.split("::")[0]


def order_key(nodeid: str, parallel: bool) -> bool:
    """Sort key: model tests last in one process, first under xdist (their group must not be the tail)."""
    return needs_model(nodeid) != parallel


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _train_if_needed(nodeids: Iterable[str]) -> None:
    global _training
    if _training is None and any(needs_model(nodeid) for nodeid in nodeids):
        from policybot.train import model_available, train_in_background

        if not model_available():
            _training = train_in_background(LOG_DIR / "train-background.log")
            print(f"\nno trained model for these inputs: training in the background ({LOG_DIR / 'train-background.log'})")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which appends each test's group to its node id
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: List[pytest.Item]) -> None:
    parallel = _is_worker(config)
    items.sort(key=lambda item: order_key(item.nodeid, parallel))  # stable: each group keeps its order
    if parallel:
        for item in items:
            item.add_marker(pytest.mark.xdist_group(group_of(item.nodeid)))
    else:
        _train_if_needed(item.nodeid for item in items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: List[str]) -> None:
    """xdist's controller: the first worker's collection decides whether the model must be trained."""
    _train_if_needed(ids)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """xdist's controller: the leaks a worker's log records held (its files are read here, at the end)."""
    output = getattr(node, "workeroutput", None) or {}
    _worker_leaks.extend(Leak(*leak) for leak in output.get("log_leaks", []))


def _basetemp(config: pytest.Config) -> Optional[Path]:
    factory = getattr(config, "_tmp_path_factory", None)
    return getattr(factory, "_basetemp", None)


def _log_files(config: pytest.Config) -> List[Path]:
    files = []
    for folder in (LOG_DIR, _basetemp(config)):
        if folder is not None and folder.is_dir():
            for path in folder.rglob("*.log"):
                try:
                    if path.is_file() and path.stat().st_mtime >= _started - 1:
                        files.append(path)
                except OSError:
                    continue
    return files


def _file_leaks(config: pytest.Config) -> List[Leak]:
    leaks: List[Leak] = []
    for path in _log_files(config):
        try:
            with open(path, encoding="utf-8", errors="replace") as lines:
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                leaks.extend(leaks_in(lines, str(shown)))
        except OSError:
            continue
    return leaks


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _training is not None and _training.poll() is None:  # the session ended before a test needed the model
        _training.terminate()
        _training.wait(30)
    logging.getLogger().removeHandler(_watch)
    if _is_worker(session.config):  # the controller reports: its exit status is the run's
        session.config.workeroutput["log_leaks"] = [tuple(leak) for leak in _watch.leaks]  # type: ignore[attr-defined]
        return
    leaks = _watch.leaks + _worker_leaks + _file_leaks(session.config)
    if not leaks:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    lines = [f"personal data in the logs of this session: {len(leaks)} line(s), shown masked",
             *(f"  {leak.kind:9} {leak.source}: {leak.line}" for leak in leaks[:MAX_REPORTED])]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in ["", *lines]:
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:
            print(line)
