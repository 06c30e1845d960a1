"""Settings of the complaint window, read when used so that tests and deployments may change them.

- `JUBAO_COMPLAINT_ACCEPT_DAYS` (2): working days to accept a complaint, or refuse it with a reason.
- `JUBAO_COMPLAINT_ANSWER_DAYS` (15): working days from acceptance to the answer.
"""

from __future__ import annotations

from django.conf import settings

from jubao.catalogue import TimeLimit, TimeUnit

ACCEPT_DAYS = 2
ANSWER_DAYS = 15


def accept_limit() -> TimeLimit:
    return TimeLimit(
        int(getattr(settings, "JUBAO_COMPLAINT_ACCEPT_DAYS", ACCEPT_DAYS)), TimeUnit.DAYS
    )


def answer_limit() -> TimeLimit:
    return TimeLimit(
        int(getattr(settings, "JUBAO_COMPLAINT_ANSWER_DAYS", ANSWER_DAYS)), TimeUnit.DAYS
    )
