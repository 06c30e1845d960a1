"""Sealing, opening, purging, tamper detection and key rotation of the vault."""

from __future__ import annotations

import base64
import io
import os
import uuid

import pytest
from django.core.management import call_command

from jubao.vault.errors import VaultError
from jubao.vault.keys import get_provider
from jubao.vault.models import SealedValue
from jubao.vault.services import (
    vault_key_counts,
    vault_open,
    vault_open_many,
    vault_purge,
    vault_seal,
    vault_seal_many,
)

pytestmark = pytest.mark.django_db
REPORT = "intake.report"


def test_round_trip_before_the_owner_is_saved() -> None:
    # The owner names its row with a UUID it gives itself, so it can seal before saving.
    row = uuid.uuid4()
    record = vault_seal(table=REPORT, row=row, field="reporter_name", value="金丝雀张三")
    assert record.key_id == "local-1"
    assert bytes(record.ciphertext) != "金丝雀张三".encode()
    assert vault_open(table=REPORT, row=row, field="reporter_name") == "金丝雀张三"
    assert vault_open(table=REPORT, row=str(row), field="reporter_name") == "金丝雀张三"


def test_reseal_replaces_the_value_with_a_new_data_key() -> None:
    first = vault_seal(table=REPORT, row=7, field="reporter_phone", value="13912345678")
    wrapped = bytes(first.wrapped_dek)
    second = vault_seal(table=REPORT, row=7, field="reporter_phone", value="13800000000")
    assert second.pk == first.pk
    assert bytes(second.wrapped_dek) != wrapped
    assert vault_open(table=REPORT, row=7, field="reporter_phone") == "13800000000"
    assert SealedValue.objects.count() == 1


def test_many_and_purge() -> None:
    row = uuid.uuid4()
    vault_seal_many(table=REPORT, row=row, values={"reporter_name": "李四", "reporter_email": ""})
    opened = vault_open_many(
        table=REPORT, row=row, fields=["reporter_name", "reporter_email", "reporter_phone"]
    )
    assert opened == {"reporter_name": "李四", "reporter_email": "", "reporter_phone": None}
    vault_seal_many(table=REPORT, row=row, values={"reporter_email": None})
    assert vault_open_many(table=REPORT, row=row, fields=["reporter_email"]) == {
        "reporter_email": None
    }
    assert vault_purge(table=REPORT, row=row) == 1
    with pytest.raises(VaultError) as caught:
        vault_open(table=REPORT, row=row, field="reporter_name")
    assert caught.value.code == "vault_missing"


def test_bad_places_are_refused() -> None:
    with pytest.raises(ValueError, match="table"):
        vault_seal(table="Report", row=1, field="name", value="x")
    with pytest.raises(ValueError, match="field"):
        vault_seal(table=REPORT, row=1, field="Name", value="x")
    with pytest.raises(ValueError, match="row"):
        vault_seal(table=REPORT, row="a b", field="name", value="x")


def _copy_sealed(source: SealedValue, target: SealedValue) -> None:
    target.key_id = source.key_id
    target.wrapped_dek = bytes(source.wrapped_dek)
    target.nonce = bytes(source.nonce)
    target.ciphertext = bytes(source.ciphertext)
    target.save()


@pytest.mark.parametrize("other", [("row", "2"), ("field", "reporter_email"), ("table", "x.y")])
def test_a_ciphertext_copied_elsewhere_fails(other: tuple[str, str]) -> None:
    source = vault_seal(table=REPORT, row=1, field="reporter_name", value="金丝雀张三")
    place = {"table": REPORT, "row": "1", "field": "reporter_name"}
    place[other[0]] = other[1]
    target = vault_seal(**place, value="placeholder")
    _copy_sealed(source, target)
    with pytest.raises(VaultError) as caught:
        vault_open(**place)
    assert caught.value.code == "vault_integrity"
    assert vault_open(table=REPORT, row=1, field="reporter_name") == "金丝雀张三"


def test_swapping_only_the_ciphertext_fails() -> None:
    one = vault_seal(table=REPORT, row=1, field="reporter_name", value="张三")
    two = vault_seal(table=REPORT, row=2, field="reporter_name", value="李四")
    two.ciphertext, two.nonce = bytes(one.ciphertext), bytes(one.nonce)
    two.save()
    with pytest.raises(VaultError):
        vault_open(table=REPORT, row=2, field="reporter_name")


def test_a_wrong_key_id_fails() -> None:
    record = vault_seal(table=REPORT, row=1, field="reporter_phone", value="13912345678")
    record.key_id = "local-9"  # a key that does not exist
    record.save()
    with pytest.raises(VaultError) as caught:
        vault_open(table=REPORT, row=1, field="reporter_phone")
    assert caught.value.code == "vault_key"
    assert not any(name.endswith("_9") for name in os.listdir(_keys_folder()))

    # An existing but different key: the wrap's associated data names the key id, so it fails.
    record.key_id = "local-1"
    record.save()
    call_command("keys", "rotate", stdout=io.StringIO())
    record.refresh_from_db()
    record.key_id = "local-1"
    record.save()
    with pytest.raises(VaultError) as caught:
        vault_open(table=REPORT, row=1, field="reporter_phone")
    assert caught.value.code == "vault_integrity"


def _keys_folder() -> str:
    return os.path.join(os.environ["JUBAO_DATA_DIR"], "keys")


def test_rotation_rewraps_every_record() -> None:
    values = {f"{n}": f"用户{n}-1390000{n:04d}" for n in range(7)}
    for row, value in values.items():
        vault_seal(table=REPORT, row=row, field="reporter_name", value=value)
    out = io.StringIO()
    call_command("keys", "rotate", "--batch-size", "3", stdout=out)
    assert "rotated to local-2: 7 data keys re-wrapped" in out.getvalue()
    assert "re-wrapped 3/7" in out.getvalue()
    assert vault_key_counts() == {"local-2": 7}
    for row, value in values.items():
        assert vault_open(table=REPORT, row=row, field="reporter_name") == value
    # New seals use the new key; the old key file is kept until retired.
    assert vault_seal(table=REPORT, row="new", field="x", value="v").key_id == "local-2"
    assert os.path.exists(os.path.join(_keys_folder(), "vault_kek_1"))
    status = io.StringIO()
    call_command("keys", "status", stdout=status)
    assert "* local-2" in status.getvalue() and "local-1" in status.getvalue()


def test_interrupted_rotation_resumes_without_a_new_key() -> None:
    for n in range(5):
        vault_seal(table=REPORT, row=n, field="reporter_name", value=f"名字{n}")
    provider = get_provider()
    # Interrupted just after the new key became current: nothing re-wrapped yet.
    provider.set_current(provider.create_key())
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "resumed rotation to local-2: 5 data keys re-wrapped" in out.getvalue()
    assert vault_key_counts() == {"local-2": 5}
    # Running again is a fresh rotation, and --retire then removes the unused old keys.
    call_command("keys", "rotate", "--retire", stdout=out)
    assert vault_key_counts() == {"local-3": 5}
    assert provider.key_ids() == ["local-3"]
    assert [vault_open(table=REPORT, row=n, field="reporter_name") for n in range(5)] == [
        f"名字{n}" for n in range(5)
    ]


def test_current_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUBAO_VAULT_KEK", base64.b64encode(b"k" * 32).decode())
    vault_seal(table=REPORT, row=1, field="reporter_name", value="王五")
    assert not os.path.exists(os.path.join(_keys_folder(), "vault_kek_1"))
    assert vault_open(table=REPORT, row=1, field="reporter_name") == "王五"
    monkeypatch.setenv("JUBAO_VAULT_KEK", base64.b64encode(b"x" * 32).decode())
    with pytest.raises(VaultError):
        vault_open(table=REPORT, row=1, field="reporter_name")
