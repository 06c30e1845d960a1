"""Self-hosted proof of work on anonymous submissions (the ALTCHA SHA-256 scheme).

The server signs a challenge (salt with an expiry, and the hash of salt + a secret number); the
browser or app finds the number. Challenges are stateless, so a solved one is recorded until it
expires: a second use is refused (a replay).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any, cast

from altcha import v1 as altcha
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.conf import key_material
from jubao.errors import DomainError
from jubao.intake.models import UsedChallenge


def _hmac_key() -> bytes:
    return key_material("pow_hmac", env="JUBAO_POW_HMAC_KEY")


def challenge_new() -> dict[str, Any]:
    """A fresh signed challenge, as JSON for the browser or the app."""
    expires = timezone.now() + dt.timedelta(seconds=settings.JUBAO_POW_TTL_SECONDS)
    options = altcha.ChallengeOptions(
        hmac_key=_hmac_key(), max_number=settings.JUBAO_POW_MAX_NUMBER, expires=expires
    )
    challenge = altcha.create_challenge(options)
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


def _refuse(message: str, code: str) -> DomainError:
    return DomainError(message, code=code, field="pow")


def _decode(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except ValueError:
        raise _refuse(
            _("The anti-abuse check is malformed. Reload the page."), "pow_invalid"
        ) from None
    if not isinstance(data, dict):
        raise _refuse(_("The anti-abuse check is malformed. Reload the page."), "pow_invalid")
    return data


def challenge_redeem(*, payload: str) -> None:
    """Verify a solved challenge and mark it used; raise DomainError if bad, expired or reused.

    Call inside the submission's transaction, so a refused submission does not burn the challenge.
    """
    if not settings.JUBAO_POW_REQUIRED:
        return
    if not payload:
        raise _refuse(
            _("The anti-abuse check is missing. Enable JavaScript or reload."), "pow_missing"
        )
    data = _decode(payload)
    ok, error = altcha.verify_solution(cast(altcha.PayloadType, data), _hmac_key(), True)
    if not ok:
        expired = bool(error and "expired" in error)
        message = (
            _("The anti-abuse check has expired. Reload the page and try again.")
            if expired
            else _("The anti-abuse check failed. Reload the page and try again.")
        )
        raise _refuse(message, "pow_expired" if expired else "pow_invalid")
    expires = timezone.now() + dt.timedelta(seconds=settings.JUBAO_POW_TTL_SECONDS)
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(challenge=str(data["challenge"]), expires_at=expires)
    except IntegrityError as exc:
        message = _("This anti-abuse check was already used. Reload the page.")
        raise _refuse(message, "pow_replayed") from exc


def challenges_purge() -> int:
    """Forget used challenges that have expired (they can no longer be replayed anyway)."""
    deleted, _rows = UsedChallenge.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
