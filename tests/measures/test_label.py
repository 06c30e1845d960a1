"""The whole life of a dispute label: the concerned party's statement through the signed API,
reviewed, shown, then the label removed (or upgraded to removal) when the facts are settled."""

from __future__ import annotations

import uuid

import pytest

from jubao.accounts.services import platform_create
from jubao.ledger.verify import ledger_verify
from jubao.measures.lifecycle import (
    label_remove,
    label_response_review,
    label_upgrade,
    measures_watch,
)
from jubao.measures.models import Measure, MeasureStatus, ResponseStatus
from jubao.measures.services import measure_applied
from jubao.platforms.models import Transfer
from jubao.platforms.webhooks import Webhook
from tests.measures.conftest import T0, approve_removal, refused

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.measures.urls")]
STATEMENT = "本人发布的内容均有据可查，相关合同已提交法院，请读者等待判决。"


@pytest.fixture
def label(order) -> Measure:
    return measure_applied(measure=order("content.dispute_label"), at=T0)


def _path(measure: Measure) -> str:
    return f"/measures/{measure.public_id}/response-statement"


def test_a_statement_is_reviewed_shown_and_the_label_removed(signed, label, cast):
    empty = signed(_path(label), {"text": "  "})
    assert empty.status_code == 400 and empty.json()["error"]["field"] == "text"
    response = signed(_path(label), {"text": STATEMENT})
    assert response.status_code == 200, response.content
    assert response.json() == {"id": str(label.public_id), "response_status": "pending"}
    label.refresh_from_db()
    assert label.response_statement == STATEMENT and label.response_submitted_at
    # A second statement while the first waits is a conflict.
    again = signed(_path(label), {"text": "再次提交"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "statement_exists"

    with refused("required"):
        label_response_review(measure=label, by=cast["reviewer"], show=False, note="")
    shown = label_response_review(measure=label, by=cast["reviewer"], show=True, note="")
    assert shown.response_status == ResponseStatus.SHOWN
    hook = Webhook.objects.get(event="measure.response_shown")
    assert hook.body["statement"] == STATEMENT and hook.body["measure"] == str(label.public_id)
    with refused("no_statement"):
        label_response_review(measure=label, by=cast["reviewer"], show=True, note="")

    removed = label_remove(measure=label, by=cast["disposal"])
    assert removed.status == MeasureStatus.ENDED
    assert Webhook.objects.get(event="measure.lifted").body["reason"] == "settled"
    with refused("invalid_state"):
        label_remove(measure=label, by=cast["disposal"])
    assert signed(_path(label), {"text": STATEMENT}).status_code == 409
    assert ledger_verify().ok


def test_a_refused_statement_may_be_sent_again(signed, label, cast):
    signed(_path(label), {"text": STATEMENT})
    label_response_review(measure=label, by=cast["reviewer"], show=False, note="含有他人手机号")
    refusal = Webhook.objects.get(event="measure.response_refused")
    assert refusal.body["note"] == "含有他人手机号"
    assert signed(_path(label), {"text": "删去手机号后的声明"}).json()["response_status"] == (
        "pending"
    )
    label_response_review(measure=label, by=cast["reviewer"], show=True, note="")
    assert Webhook.objects.filter(event="measure.response_shown").count() == 1


def test_an_upgraded_label_becomes_removal_once_approved(label, cast):
    label_upgrade(measure=label, by=cast["disposal"])
    label.refresh_from_db()
    assert label.status == MeasureStatus.ACTIVE
    removal = approve_removal(label, cast["approver"])
    label.refresh_from_db()
    assert label.status == MeasureStatus.CONVERTED and label.replaced_by == removal
    assert Transfer.objects.filter(measure=removal).exists()
    assert ledger_verify().ok


def test_the_label_ends_with_its_period(label):
    assert measures_watch(now=label.ends_at).ended == [label.pk]
    label.refresh_from_db()
    assert label.status == MeasureStatus.ENDED
    assert Webhook.objects.filter(event="measure.ended").count() == 1


def test_statements_are_refused_for_other_measures_and_other_platforms(signed, order, platform):
    private = measure_applied(measure=order("content.private"), at=T0)
    wrong = signed(_path(private), {"text": STATEMENT})
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "wrong_measure"
    assert signed(f"/measures/{uuid.uuid4()}/response-statement", {"text": "x"}).status_code == 404
    other = platform_create(
        actor="system",
        name="别家",
        name_en="Other",
        icp_number="浙ICP备20260002号",
        jurisdiction=platform.jurisdiction,
    )
    label = measure_applied(measure=order("content.dispute_label"), at=T0)
    Measure.objects.filter(pk=label.pk).update(platform=other)
    assert signed(_path(label), {"text": STATEMENT}).status_code == 404


def test_unsigned_statements_are_refused(client, label):
    response = client.post(f"/api/v1/platform{_path(label)}", {"text": "x"})
    assert response.status_code == 401
