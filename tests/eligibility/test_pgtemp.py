"""The port picker the suite's servers use: under pytest-xdist, workers draw from disjoint blocks."""

from __future__ import annotations

import pytest

from eligibility.storage import pgtemp


def test_a_single_process_draws_from_the_whole_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    assert pgtemp._block(20000, 32767) == (20000, 32767)


def test_workers_draw_from_disjoint_blocks_that_stay_in_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = []
    for i in range(3):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{i}")
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
        blocks.append(pgtemp._block(20000, 32767))
        port = pgtemp.free_port()
        assert blocks[-1][0] <= port <= blocks[-1][1]
    assert blocks[0][0] == 20000 and blocks[-1][1] <= 32767
    assert all(a[1] < b[0] for a, b in zip(blocks, blocks[1:]))


def test_a_malformed_worker_name_falls_back_to_the_whole_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "master")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    assert pgtemp._block(20000, 32767) == (20000, 32767)
