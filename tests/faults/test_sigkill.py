"""SIGKILL of the server under a submission load, in rounds on the same data.

Each round starts a fresh load (clients filing reports, retrying with the same `Idempotency-Key`)
and kills the server's whole process group with SIGKILL at a random moment (a fixed seed), then
restarts it on the same data folder and database. After each round, on everything filed so far:
every acknowledged receipt opens its report and nothing exists twice or is missing; a round thus
starts from the state the previous crash left behind. After the last round also: a late retry
returns the same receipt, the ledger verifies and the outboxes drain.

`tests/intake/test_crash.py` is the single-load version with more kills in one load.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from tests.faults.submitload import (
    SERVER_ENV,
    Submission,
    SubmissionLoad,
    check_all,
    check_exactly_once,
    check_receipts_open,
    rows,
)
from tests.serverproc import ServerProcess, running_server

pytestmark = pytest.mark.timeout(600)

SEED = 20261129
ROUNDS = 3
THREADS = 3
PER_THREAD = 10
KILLS_PER_ROUND = 1


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="faults_kill", env=SERVER_ENV) as srv:
        yield srv


def _moments(rng: random.Random) -> list[int]:
    total = THREADS * PER_THREAD
    first, last = 3, total - 8
    width = (last - first) // KILLS_PER_ROUND
    return [first + i * width + rng.randrange(width) for i in range(KILLS_PER_ROUND)]


def test_repeated_sigkill_under_load_loses_and_doubles_nothing(server: ServerProcess):
    rng = random.Random(SEED)
    filed: list[Submission] = []
    retried = 0
    for round_ in range(ROUNDS):
        load = SubmissionLoad(
            server,
            threads=THREADS,
            per_thread=PER_THREAD,
            seed=SEED + round_,
            prefix=f"kill{round_}",
        )
        kills = 0
        try:
            load.start()
            for moment in _moments(rng):
                if not load.wait_finished(moment):
                    break
                time.sleep(rng.uniform(0, 0.3))  # anywhere inside a request
                server.kill()
                kills += 1
                time.sleep(rng.uniform(0, 0.5))  # clients meet a closed port
                server.start()
        except BaseException:
            load.stop.set()
            raise
        finally:
            load.join()
        summary = f"round {round_}: {load.summary()}, {kills} kills"
        print(summary)
        subs = load.submissions
        assert kills == KILLS_PER_ROUND, summary
        assert len(subs) == THREADS * PER_THREAD, summary
        assert not [s.refused for s in subs if s.refused], summary
        assert not [s.key for s in subs if not s.acknowledged], summary
        retried += sum(s.attempts > 1 for s in subs)
        filed.extend(subs)
        check_receipts_open(server, subs)
        check_exactly_once(server, filed)
        assert len(rows(server, "SELECT id FROM intake_report")) == len(filed)
    # The kills hit work in flight: some submissions needed a retry.
    assert retried, "no submission was retried: the kills missed the load"
    check_all(server, filed, seed=SEED)
