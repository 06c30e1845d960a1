"""Crash safety of the intake API: SIGKILL the real server while clients submit reports.

Several clients file reports over HTTP against `jubao serve` (gunicorn, 2 workers). While they
run, the server's whole process group is killed with SIGKILL a few times at random moments (a
fixed seed) and restarted on the same data folder and database. Clients retry a failed request
with the same `Idempotency-Key` and the same body, as a real app does. Afterwards:

- every receipt that was returned opens its report, and a late retry returns the same receipt;
- no report exists twice and none is missing (one unique token per description);
- each report has exactly one `report.submit` ledger entry and `jubao ledger verify` passes.

The server has its own database (SQLite in its data folder, or a PostgreSQL database of its own
when the session runs on PostgreSQL), so pytest-django's database is not used. The load and the
checks are shared with the fault suite (`tests/faults/submitload.py`), which repeats this in
rounds and adds other faults.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from tests.faults.submitload import (
    SubmissionLoad,
    check_exactly_once,
    check_late_retries,
    check_ledger,
    check_receipts_open,
    rows,
)
from tests.serverproc import ServerProcess, running_server

# About 2 minutes on a quiet 2-core machine; the timeout is generous for a machine shared with
# other work, where each start of the server (importing Django twice) may take much longer.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SEED = 20260601
THREADS = 4
PER_THREAD = 60
KILLS = 4


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="crash") as srv:
        yield srv


def _kill_moments(rng: random.Random) -> list[int]:
    """After how many finished submissions each kill comes: one in each slice of the run."""
    total = THREADS * PER_THREAD
    first, last = 10, total - 25
    width = (last - first) // KILLS
    return [first + i * width + rng.randrange(width) for i in range(KILLS)]


def test_reports_survive_sigkill_exactly_once(server: ServerProcess):
    rng = random.Random(SEED)
    moments = _kill_moments(rng)
    load = SubmissionLoad(server, threads=THREADS, per_thread=PER_THREAD, seed=SEED, prefix="crash")
    kills = 0
    try:
        load.start()
        for moment in moments:
            if not load.wait_finished(moment):
                break
            time.sleep(rng.uniform(0, 0.3))  # land anywhere inside a request
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0, 0.5))  # clients meet a closed port for a while
            server.start()
    except BaseException:
        load.stop.set()
        raise
    finally:
        load.join()

    subs = load.submissions
    summary = f"{load.summary()}, {kills} kills at {moments}"
    print(summary)
    assert kills == KILLS, summary
    assert len(subs) == THREADS * PER_THREAD, summary
    assert not [s.refused for s in subs if s.refused], summary
    assert not [s.key for s in subs if not s.acknowledged], summary
    # The kills hit work in flight: some submissions needed a retry.
    assert [s for s in subs if s.attempts > 1], summary

    check_receipts_open(server, subs)
    check_late_retries(server, subs, 20, SEED + 1)
    # Exactly once: each submission is one report, none twice, none lost.
    check_exactly_once(server, subs)
    assert len(rows(server, "SELECT id FROM intake_report")) == len(subs)
    check_ledger(server)
