"""Demo data of the enterprise area: the demo enterprise user's enterprise, verified, with the
demo intake officer as its liaison (idempotent)."""

from __future__ import annotations

from jubao.accounts.models import User
from jubao.enterprises.models import Enterprise, EnterpriseStatus, KeyType
from jubao.enterprises.services import office_for_uscc

DEMO_USCC = "91330106MA2H4K7X09"
DEMO_NAME = "杭州某科技有限公司"


def load() -> Enterprise | None:
    """The demo enterprise, or None when the demo users are missing."""
    contact = User.objects.filter(username="enterprise").first()
    liaison = User.objects.filter(username="intake").first()
    if contact is None:
        return None
    found = Enterprise.objects.filter(contact=contact).first()
    if found is not None:
        return found
    return Enterprise.objects.create(
        name=DEMO_NAME,
        uscc=DEMO_USCC,
        key_types=[KeyType.HIGH_TECH, KeyType.SPECIALISED],
        office=office_for_uscc(DEMO_USCC),
        contact=contact,
        status=EnterpriseStatus.VERIFIED,
        decision_note="",
        liaison=liaison,
    )
