"""KEK rotation: new key, make it current, re-wrap every data key, optionally retire old keys.

The new key is made current *before* re-wrapping, so that values sealed while the rotation runs
already use it and no record is left behind. An interrupted rotation is finished by running
`jubao keys rotate` again: when some records are not under the current key, it resumes with
the current key instead of creating another one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from jubao.ledger.services import ledger_append
from jubao.vault.keys import get_provider
from jubao.vault.models import SealedValue
from jubao.vault.services import vault_key_counts, vault_rewrap


@dataclass
class RotationResult:
    key_id: str
    resumed: bool
    rewrapped: int = 0
    failed: list[int] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def vault_rotate(
    *,
    batch_size: int = 500,
    retire: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RotationResult:
    """Rotate the KEK (or finish an interrupted rotation) and return what was done."""
    provider = get_provider()
    current = provider.current_key_id()
    resumed = SealedValue.objects.exclude(key_id=current).exists()
    if resumed:
        target = current
    else:
        target = provider.create_key()
        provider.set_current(target)
    with transaction.atomic():
        ledger_append(
            actor="system",
            action="vault.key_rotate",
            ref=f"vault.kek:{target}",
            payload={"resumed": resumed},
        )
    rewrap = vault_rewrap(key_id=target, batch_size=batch_size, progress=progress)
    result = RotationResult(
        key_id=target, resumed=resumed, rewrapped=rewrap.rewrapped, failed=rewrap.failed
    )
    if retire and not result.failed:
        result.retired = vault_retire_unused()
    return result


def vault_retire_unused() -> list[str]:
    """Delete the files of old KEKs that no record uses any more; returns their ids.

    After this, database backups taken before the rotation can no longer be decrypted (which is
    the point when a key may have leaked, and a loss otherwise): keep old keys until such
    backups have expired.
    """
    provider = get_provider()
    current = provider.current_key_id()
    counts = vault_key_counts()
    retired = []
    for key_id in provider.key_ids():
        if key_id != current and not counts.get(key_id):
            provider.retire(key_id)
            retired.append(key_id)
    if retired:
        for key_id in retired:
            ledger_append(actor="system", action="vault.key_retire", ref=f"vault.kek:{key_id}")
    return retired
