"""Content fingerprints: what instances exchange so that one content is handled in one case.

A fingerprint is the SHA-256 of a domain tag and the target's canonical key (the canonical URL,
or the platform and account id; see `jubao.analysis.urls.target_key`), or an HMAC of it under a
key shared by the network (`JUBAO_FEDERATION_FINGERPRINT_KEY`, base64). It names the reported
content, which is public; nothing about the reporter goes into it. Each instance's own keys for
the same purpose (`Target.target_key`) are keyed with its own secret and so cannot be compared
across instances.
"""

from __future__ import annotations

import hashlib
import hmac

from jubao.analysis.urls import target_key
from jubao.cases.models import Case
from jubao.conf import env_str, key_material
from jubao.intake.models import ReportStatus
from jubao.intake.triage import URL_FIELDS

TAG = b"jubao-federation-fingerprint\n"
KEY_ENV = "JUBAO_FEDERATION_FINGERPRINT_KEY"


def of_target(fields: dict[str, str]) -> str | None:
    """The fingerprint of one target, or None when it names neither an address nor an account."""
    url = next((fields[f] for f in URL_FIELDS if fields.get(f)), None)
    account = fields.get("account_id") or fields.get("account_name")
    try:
        raw = target_key(url=url, platform=fields.get("platform"), account_id=account)
    except ValueError:
        return None
    if env_str(KEY_ENV):
        key = key_material("federation_fingerprint", env=KEY_ENV)
        return hmac.new(key, TAG + raw.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256(TAG + raw.encode()).hexdigest()


def of_case(case: Case) -> list[str]:
    """The fingerprints of every target of the case's active reports, sorted, without repeats."""
    found = set()
    targets = case.reports.exclude(status=ReportStatus.WITHDRAWN).values_list(
        "targets__fields", flat=True
    )
    for fields in targets:
        if fields:
            value = of_target({k: str(v) for k, v in fields.items()})
            if value:
                found.add(value)
    return sorted(found)
