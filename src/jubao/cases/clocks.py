"""Which deadline clocks each move of the workflow starts, stops, pauses and resumes.

A case carries one clock per stage (`Case.clocks`, keyed by stage). `CHANGES` is the table:

- acceptance runs from the first report until the case is accepted, refused, transferred or
  merged;
- review runs from acceptance (or reopening) until the judgement, and stands still while the
  reporter is asked for supplementary proof; supplement_wait runs during that wait, and when it
  is overdue the case is closed with a notice (`cases_watch`);
- judgement runs from the judgement until a measure is proposed or the reporter is answered;
- disposal runs from the proposal until the disposal is recorded; answer from the disposal until
  the answer; overall from the first report until the answer, paused with the review.

Every move that ends a case stops whatever is still running. After each change the case's
`due_at` and `warn_at` are recomputed: the earliest deadline and the earliest 75 % mark among the
running clocks. The supervision list and the watch job read those two indexed columns, so they
never have to evaluate every clock of every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from jubao.cases.deadlines import Clock, ClockState
from jubao.cases.models import Case
from jubao.cases.workflow import Move
from jubao.catalogue import Stage, get_catalogue

__all__ = [
    "CHANGES",
    "ClockRow",
    "clock_rows",
    "clock_start",
    "clock_stop",
    "clocks_apply",
    "clocks_refresh",
    "clocks_start",
    "stage_overdue",
]

ALL_STAGES = tuple(Stage)


@dataclass(frozen=True)
class ClockChange:
    stop: tuple[Stage, ...] = ()
    start: tuple[Stage, ...] = ()
    pause: tuple[Stage, ...] = ()
    resume: tuple[Stage, ...] = ()


_STOP_ALL = ClockChange(stop=ALL_STAGES)
# A transfer ends the office's own stages; the platform's clock (started when the case is handed
# to a platform) keeps running until the platform answers.
_OFFICE_STAGES = tuple(s for s in ALL_STAGES if s is not Stage.PLATFORM_TRANSFER)

CHANGES: dict[Move, ClockChange] = {
    Move.ACCEPT: ClockChange(stop=(Stage.ACCEPTANCE,), start=(Stage.REVIEW,)),
    Move.REFUSE: _STOP_ALL,
    Move.TRANSFER: ClockChange(stop=_OFFICE_STAGES),
    Move.MERGE: _STOP_ALL,
    Move.START_REVIEW: ClockChange(start=(Stage.REVIEW,)),
    Move.REQUEST_PROOF: ClockChange(
        pause=(Stage.REVIEW, Stage.OVERALL), start=(Stage.SUPPLEMENT_WAIT,)
    ),
    Move.PROOF_RECEIVED: ClockChange(
        stop=(Stage.SUPPLEMENT_WAIT,), resume=(Stage.REVIEW, Stage.OVERALL)
    ),
    Move.PROOF_TIMEOUT: _STOP_ALL,
    Move.JUDGE: ClockChange(stop=(Stage.REVIEW,), start=(Stage.JUDGEMENT,)),
    Move.PROPOSE_DISPOSAL: ClockChange(stop=(Stage.JUDGEMENT,), start=(Stage.DISPOSAL,)),
    Move.DISPOSE: ClockChange(stop=(Stage.DISPOSAL,), start=(Stage.ANSWER,)),
    Move.ANSWER: _STOP_ALL,
    Move.EVALUATE: _STOP_ALL,
    Move.CLOSE: _STOP_ALL,
    Move.REOPEN: ClockChange(start=(Stage.REVIEW, Stage.OVERALL)),
    Move.WITHDRAW: _STOP_ALL,
}

STAGE_LABELS = {
    Stage.ACCEPTANCE: _("Acceptance"),
    Stage.REVIEW: _("Review"),
    Stage.JUDGEMENT: _("Judgement"),
    Stage.DISPOSAL: _("Disposal"),
    Stage.ANSWER: _("Answer"),
    Stage.PLATFORM_TRANSFER: _("Platform handling"),
    Stage.SUPPLEMENT_WAIT: _("Waiting for proof"),
    Stage.OVERALL: _("Overall"),
}


def _load(data: dict[str, Any]) -> tuple[Clock, datetime | None]:
    stopped = data.get("stopped_at")
    return Clock.from_dict(data), datetime.fromisoformat(stopped) if stopped else None


def _dump(clock: Clock, stopped_at: datetime | None = None) -> dict[str, Any]:
    return {**clock.to_dict(), "stopped_at": stopped_at.isoformat() if stopped_at else None}


def _stopped_at(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A stored clock stopped at `now` (a paused one is resumed first, so its pause counts)."""
    clock, _stopped = _load(data)
    if clock.paused_at is not None:
        clock = clock.resume(max(now, clock.paused_at))
    return _dump(clock, now)


def stopped_in_time(data: dict[str, Any]) -> bool | None:
    """Whether a stored clock stopped by its deadline; None while it runs."""
    clock, stopped = _load(data)
    if stopped is None:
        return None
    return stopped <= clock.due_at(stopped).at


def _running(data: dict[str, Any] | None) -> bool:
    return bool(data) and not data.get("stopped_at")  # type: ignore[union-attr]


def clocks_start(item_code: str, stages: tuple[Stage, ...], now: datetime) -> dict[str, Any]:
    """Fresh clocks for `stages`, with the limits of the report item."""
    item = get_catalogue().item(item_code)
    return {str(s): _dump(Clock(started_at=now, limit=item.time_limit(s))) for s in stages}


def clocks_apply(case: Case, move: str, now: datetime) -> None:
    """Change `case.clocks` for `move` made at `now`, then recompute `due_at` and `warn_at`.

    Starting a stage whose clock is running leaves it running (the review clock started at
    acceptance is not restarted when the review starts); starting a stopped one starts it anew.
    The caller saves the case.
    """
    change = CHANGES.get(Move(move))
    if change is None:
        return
    clocks = dict(case.clocks)
    for stage in change.stop:
        if _running(clocks.get(stage)):
            clocks[stage] = _stopped_at(clocks[stage], now)
    for stage in change.pause:
        if _running(clocks.get(stage)):
            clock, _stopped = _load(clocks[stage])
            if not clock.paused:
                clocks[stage] = _dump(clock.pause(max(now, clock.started_at)))
    for stage in change.resume:
        if _running(clocks.get(stage)):
            clock, _stopped = _load(clocks[stage])
            if clock.paused_at is not None:
                clocks[stage] = _dump(clock.resume(max(now, clock.paused_at)))
    fresh = tuple(s for s in change.start if not _running(clocks.get(s)))
    clocks.update(clocks_start(case.item_code, fresh, now))
    case.clocks = clocks
    clocks_refresh(case)


def clock_start(case: Case, stage: Stage, now: datetime) -> None:
    """Start `stage`'s clock unless it runs already (outside the move table: platform handling).
    The caller saves the case."""
    if not _running(case.clocks.get(str(stage))):
        case.clocks = {**case.clocks, **clocks_start(case.item_code, (stage,), now)}
        clocks_refresh(case)


def clock_stop(case: Case, stage: Stage, now: datetime) -> None:
    """Stop `stage`'s clock if it runs. The caller saves the case."""
    data = case.clocks.get(str(stage))
    if _running(data):
        case.clocks = {**case.clocks, str(stage): _stopped_at(data, now)}
        clocks_refresh(case)


def clocks_refresh(case: Case) -> None:
    """Set `due_at` and `warn_at` from the running, unpaused clocks (None when there are none)."""
    due: list[datetime] = []
    warn: list[datetime] = []
    for data in case.clocks.values():
        if not _running(data):
            continue
        clock, _stopped = _load(data)
        if clock.paused:
            continue
        due.append(clock.due_at().at)
        warn.append(clock.warning_at())
    new_due = min(due, default=None)
    if new_due != case.due_at:
        case.overdue_notified_at = None
    case.due_at, case.warn_at = new_due, min(warn, default=None)


def stage_overdue(case: Case, stage: Stage, now: datetime) -> bool:
    """True when the stage's clock is running and its deadline has passed."""
    data = case.clocks.get(str(stage))
    if not _running(data):
        return False
    clock, _stopped = _load(data)
    return clock.state(now) is ClockState.OVERDUE


@dataclass(frozen=True)
class ClockRow:
    """One clock as the case page shows it."""

    stage: str
    label: str
    started_at: datetime
    due_at: datetime
    state: str  # ok, warning, overdue, paused, met, late
    percent: int
    stopped_at: datetime | None
    estimated_years: tuple[int, ...]


def clock_rows(case: Case, now: datetime) -> list[ClockRow]:
    """Every clock the case has had, in the order of the stages."""
    rows = []
    for stage in ALL_STAGES:
        data = case.clocks.get(str(stage))
        if not data:
            continue
        clock, stopped = _load(data)
        at = stopped or now
        deadline = clock.due_at(at)
        if stopped is not None:
            state = "met" if stopped <= deadline.at else "late"
        else:
            state = str(clock.state(now))
        rows.append(
            ClockRow(
                stage=str(stage),
                label=str(STAGE_LABELS[stage]),
                started_at=clock.started_at,
                due_at=deadline.at,
                state=state,
                percent=min(100, round(clock.fraction_used(at) * 100)),
                stopped_at=stopped,
                estimated_years=deadline.estimated_years,
            )
        )
    return rows
