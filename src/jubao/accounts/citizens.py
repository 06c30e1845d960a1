"""Optional citizen accounts: sign up with a phone number or an e-mail address, verified by code.

The address is sealed by the vault; the account's username is a keyed hash of it, so signing in
finds the account without the address being stored in clear. (Such a hash tells two sign-ups with
the same address apart from others; each address has one account, so it reveals no frequency.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import PendingSignup, Role, User
from jubao.accounts.services import role_grant
from jubao.conf import key_material
from jubao.errors import DomainError
from jubao.ledger.services import ledger_append, obj_ref
from jubao.notify.services import notify_enqueue
from jubao.vault.services import vault_open, vault_purge, vault_seal

MOBILE = re.compile(r"^1[3-9]\d{9}$")
CODE_MINUTES = 10
CODE_ATTEMPTS = 5
PENDING_TABLE = "accounts.pendingsignup"
USER_TABLE = "accounts.user"


def _key() -> bytes:
    return key_material("citizen_login", env="JUBAO_CITIZEN_LOGIN_KEY")


def normalise(identifier: str) -> tuple[str, str]:
    """("sms", "13912345678") or ("email", "a@b.cn"); raise DomainError for anything else."""
    value = re.sub(r"[\s-]", "", identifier.strip())
    value = value.removeprefix("+86").removeprefix("0086")
    if MOBILE.match(value):
        return "sms", value
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError(
            _("Enter an 11-digit mobile number or an e-mail address."),
            code="invalid_identifier",
            field="identifier",
        ) from None
    return "email", value.lower()


def username_for(identifier: str) -> str:
    """The account name that a phone number or e-mail address signs in as."""
    _kind, value = normalise(identifier)
    return "c-" + hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()[:40]


def _code_hash(pending_ref: uuid.UUID, code: str) -> str:
    message = f"{pending_ref}:{code.strip()}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def citizen_signup_start(*, identifier: str, password: str) -> PendingSignup:
    """Check the address and password, and send a six-digit code to the address."""
    kind, value = normalise(identifier)
    username = username_for(value)
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("An account with this address exists. Sign in instead."),
            code="duplicate",
            field="identifier",
        )
    try:
        validate_password(password)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password", field="password") from None
    code = f"{secrets.randbelow(1_000_000):06d}"
    pending = PendingSignup(
        vault_ref=uuid.uuid4(),
        username=username,
        password_hash=make_password(password),
        expires_at=timezone.now() + dt.timedelta(minutes=CODE_MINUTES),
    )
    pending.code_hash = _code_hash(pending.vault_ref, code)
    pending.save()
    vault_seal(table=PENDING_TABLE, row=pending.vault_ref, field="identifier", value=value)
    text = _("Your jubao verification code is %(code)s. It expires in %(minutes)d minutes.") % {
        "code": code,
        "minutes": CODE_MINUTES,
    }
    notify_enqueue(channel=kind, to=value, subject=_("Verification code"), body=text)
    return pending


def citizen_signup_confirm(*, pending_ref: uuid.UUID, code: str) -> User:
    """Create the account when the code matches; a few wrong codes end the attempt.

    A wrong code is counted in its own committed transaction before the refusal is raised, so
    guessing cannot roll the count back.
    """
    with transaction.atomic():
        pending = PendingSignup.objects.select_for_update().filter(vault_ref=pending_ref).first()
        if pending is None or pending.expires_at < timezone.now():
            raise DomainError(
                _("This code has expired. Start again."), code="expired", field="code"
            )
        if pending.attempts >= CODE_ATTEMPTS:
            raise DomainError(_("Too many wrong codes. Start again."), code="locked", field="code")
        if hmac.compare_digest(pending.code_hash, _code_hash(pending.vault_ref, code)):
            return _create_citizen(pending)
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
    raise DomainError(_("The code is wrong."), code="wrong_code", field="code")


def _create_citizen(pending: PendingSignup) -> User:
    identifier = vault_open(table=PENDING_TABLE, row=pending.vault_ref, field="identifier")
    user = User.objects.create(username=pending.username, password=pending.password_hash)
    role_grant(actor=f"user:{user.pk}", user=user, role=Role.CITIZEN)
    vault_seal(table=USER_TABLE, row=user.pk, field="identifier", value=identifier)
    vault_purge(table=PENDING_TABLE, row=pending.vault_ref)
    pending.delete()
    ledger_append(actor=f"user:{user.pk}", action="citizen.signup", ref=obj_ref(user))
    return user
