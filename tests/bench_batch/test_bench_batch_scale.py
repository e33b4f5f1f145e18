"""bench/bench_batch_scale.py at a tiny size: the partitioned 免申即享 batch gives the service's own result,
survives a crashed partition and creates nothing when run again (the figures are the benchmark's business)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from eligibility.storage.pgtemp import PostgresUnavailable, pg_bindir

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_batch_scale  # noqa: E402


def test_partitioned_batch_matches_the_service(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        pg_bindir()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    code = bench_batch_scale.main(["--n", "4000", "--partitions", "4", "--sample", "200", "--crash-parts", "1"])
    out = capsys.readouterr().out
    figures = json.loads(out.strip().splitlines()[-1])
    assert code == 0, out[-2000:]
    checks = figures["checks"]
    assert figures["correct"] is True
    assert checks["service_grants_run"]["same_grants_as_partitioned"] is True
    assert checks["service_grants_run"]["grants_created"] == figures["batch"]["grants"] > 0
    assert checks["sample"]["mismatches"] == 0 and checks["sample"]["sampled_with_grants"] > 0
    assert checks["duplicate_grants"] == 0 and checks["third_run_grants"] == 0
    # the crashed partition was rolled back and done by the second run, every partition exactly once
    assert len(set(figures["batch"]["first_run"]["parts_crashed"])) == 1
    assert figures["batch"]["resume_run"]["parts_done"] == 1
    assert sum(checks["partitions_by_attempts"].values()) == 4  # one row per partition, all done
    grants, notices, sms = checks["grants_notices_sms"]
    assert grants == notices == figures["batch"]["grants"] and 0 < sms <= grants
