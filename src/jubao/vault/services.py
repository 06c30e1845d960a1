"""The vault's service API: seal, open and purge personal data; re-wrap for key rotation.

A value's place is (table, row, field): `table` is the owner's "app_label.model", `row` its
UUID (or another stable key, given before or after the owner is saved) and `field` the
attribute, e.g.:

    vault_seal(table="intake.report", row=report.vault_ref, field="reporter_phone",
               value="13912345678")
    phone = vault_open(table="intake.report", row=report.vault_ref, field="reporter_phone")

Rules for callers: decide who may see a value before calling `vault_open`, and write a ledger
entry for every view of reporter identity (`ledger_append(action="identity.view", ...)`).
Plaintext must never reach logs, URLs, exports or ledger entries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from jubao.vault import crypto
from jubao.vault.errors import VaultError
from jubao.vault.keys import KeyProvider, get_provider
from jubao.vault.models import SealedValue

RowRef = str | int | uuid.UUID
_TABLE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ROW = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _place(table: str, row: RowRef, field: str) -> tuple[str, str, str]:
    row_text = str(row)
    if not _TABLE.match(table):
        raise ValueError(f"vault table must be 'app_label.model', not {table!r}")
    if not _FIELD.match(field):
        raise ValueError(f"vault field must be a lower-case identifier, not {field!r}")
    if not _ROW.match(row_text):
        raise ValueError("vault row must be a UUID or another short key")
    return table, row_text, field


def _seal_into(record: SealedValue, value: str, provider: KeyProvider) -> None:
    key_id = provider.current_key_id()
    place = {"table": record.table, "row": record.row, "field": record.field}
    dek = crypto.new_dek()
    record.nonce, record.ciphertext = crypto.encrypt(
        dek, value.encode("utf-8"), crypto.value_aad(**place)
    )
    record.wrapped_dek = provider.wrap(key_id, dek, crypto.dek_aad(**place, key_id=key_id))
    record.key_id = key_id


def _open_record(record: SealedValue, provider: KeyProvider) -> str:
    place = {"table": record.table, "row": record.row, "field": record.field}
    dek = provider.unwrap(
        record.key_id, bytes(record.wrapped_dek), crypto.dek_aad(**place, key_id=record.key_id)
    )
    plain = crypto.decrypt(
        dek, bytes(record.nonce), bytes(record.ciphertext), crypto.value_aad(**place)
    )
    if plain is None:
        raise VaultError(_("A protected value failed its integrity check."), code="vault_integrity")
    return plain.decode("utf-8")


def vault_seal(*, table: str, row: RowRef, field: str, value: str) -> SealedValue:
    """Encrypt `value` into its place, replacing any earlier value there (with a new data key)."""
    table, row_text, field = _place(table, row, field)
    with transaction.atomic():
        record = (
            SealedValue.objects.select_for_update()
            .filter(table=table, row=row_text, field=field)
            .first()
        ) or SealedValue(table=table, row=row_text, field=field)
        _seal_into(record, value, get_provider())
        record.save()
    return record


def vault_seal_many(*, table: str, row: RowRef, values: Mapping[str, str | None]) -> None:
    """Seal several fields of one owner at once; a None value purges that field."""
    with transaction.atomic():
        for name, value in values.items():
            if value is None:
                vault_purge(table=table, row=row, field=name)
            else:
                vault_seal(table=table, row=row, field=name, value=value)


def vault_open(*, table: str, row: RowRef, field: str) -> str:
    """Decrypt the value at a place; VaultError if it is missing or fails authentication."""
    table, row_text, field = _place(table, row, field)
    record = SealedValue.objects.filter(table=table, row=row_text, field=field).first()
    if record is None:
        raise VaultError(_("The protected value does not exist."), code="vault_missing")
    return _open_record(record, get_provider())


def vault_open_many(*, table: str, row: RowRef, fields: Iterable[str]) -> dict[str, str | None]:
    """Decrypt several fields of one owner; fields never sealed map to None."""
    names = list(fields)
    for name in names:
        _place(table, row, name)
    records = SealedValue.objects.filter(table=table, row=str(row), field__in=names)
    provider = get_provider()
    found = {record.field: _open_record(record, provider) for record in records}
    return {name: found.get(name) for name in names}


def vault_purge(*, table: str, row: RowRef, field: str | None = None) -> int:
    """Delete one field, or every field of the owner when `field` is None (crypto-shredding:
    the data key goes with the row). Returns the number of values removed."""
    if field is not None:
        table, row_text, field = _place(table, row, field)
        qs = SealedValue.objects.filter(table=table, row=row_text, field=field)
    else:
        table, row_text, _unused = _place(table, row, "any")
        qs = SealedValue.objects.filter(table=table, row=row_text)
    deleted, _counts = qs.delete()
    return deleted


def vault_key_counts() -> dict[str, int]:
    """Number of sealed values per key id."""
    rows = SealedValue.objects.values("key_id").annotate(n=Count("id")).order_by("key_id")
    return {row["key_id"]: row["n"] for row in rows}


@dataclass
class RewrapResult:
    key_id: str
    rewrapped: int = 0
    failed: list[int] = field(default_factory=list)


def vault_rewrap(
    *,
    key_id: str,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> RewrapResult:
    """Re-wrap every data key that is not under `key_id`, one transaction per batch.

    Values are not re-encrypted: only their data keys are. Safe to interrupt and run again
    (each batch commits on its own and finished records are skipped); records that cannot be
    unwrapped are skipped and listed in `failed` (their ids), never silently dropped.
    """
    provider = get_provider()
    result = RewrapResult(key_id=key_id)
    total = SealedValue.objects.exclude(key_id=key_id).count()
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                SealedValue.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(key_id=key_id)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            changed = [r for r in batch if _rewrap_one(r, key_id, provider, result.failed)]
            SealedValue.objects.bulk_update(changed, ["wrapped_dek", "key_id"])
        result.rewrapped += len(changed)
        if progress:
            progress(result.rewrapped + len(result.failed), total)
    return result


def _rewrap_one(record: SealedValue, key_id: str, provider: KeyProvider, failed: list[int]) -> bool:
    place = {"table": record.table, "row": record.row, "field": record.field}
    try:
        dek = provider.unwrap(
            record.key_id, bytes(record.wrapped_dek), crypto.dek_aad(**place, key_id=record.key_id)
        )
    except VaultError:
        failed.append(record.pk)
        return False
    record.wrapped_dek = provider.wrap(key_id, dek, crypto.dek_aad(**place, key_id=key_id))
    record.key_id = key_id
    return True
