"""Three instances on loopback, each with its own database and its background workers: the
central office and two provinces. A report filed in Zhejiang about a platform registered in
Guangdong travels there, is disposed of there, and the answer reaches the receipt page in
Zhejiang; a report about the same content filed at the central office joins the same case."""

from __future__ import annotations

import time

import pytest

from .instances import (
    PLATFORM_URL,
    file_report,
    instance,
    receipt_page,
    receipt_status,
    running,
    shell,
    state,
    wait_for,
    workers,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
ANSWER = "您举报的帖子已由平台删除，相关账号已被处理。"

# Run in Guangdong once both reports are there: the whole closed loop, by its own staff.
DISPOSE = f"""
import io, json, time
from PIL import Image
from jubao.platforms.models import Transfer
from jubao.platforms.services import EvidenceFile, transfer_report
from jubao.accounts.models import User
from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.catalogue import get_catalogue
for _ in range(240):
    case = Case.objects.filter(status="pending").first()
    if case is not None and case.reports.count() == 2:
        break
    time.sleep(1)
people = {{u.username: u for u in User.objects.all()}}
measure = next(m.code for m in get_catalogue().item(case.item_code).measures if m.tier.level == 1)
steps = [("accept", "router", {{}}), ("start_review", "reviewer", {{}}),
         ("judge", "reviewer", {{"result": "infringing", "reasons": "公开住址和电话"}}),
         ("propose_disposal", "disposer", {{"measure": measure, "reasons": "删除"}}),
         ("approve", "approver", {{}}), ("start_disposal", "disposer", {{}}),
         ("dispose", "disposer", {{"note": "平台已删除"}}),
         ("answer", "router", {{"message": {ANSWER!r}}})]
for move, who, params in steps:
    if move == "dispose":  # the platform carries the measure out and reports, as its API would
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), "red").save(buffer, format="PNG")
        for transfer in Transfer.objects.filter(case=case):
            transfer_report(transfer=transfer, note="已删除该帖子",
                            evidence=[EvidenceFile("removed.png", buffer.getvalue())])
    case = case_transition(case=case, move=move, actor=people[who], **params)
print(json.dumps({{"status": case.status, "reports": case.reports.count()}}))
"""

# Nothing of either reporter reached Guangdong: not their name, phone or sealed contact.
LEAKS = """
import json
from jubao.intake.models import Report, Target
from jubao.vault.services import vault_open_many
texts = [r.description for r in Report.objects.all()]
sealed = [vault_open_many(table="intake.report", row=r.vault_ref, fields=("name", "phone"))
          for r in Report.objects.all()]
print(json.dumps({
    "names": any("金丝雀" in t for t in texts),
    "phones": any("139000" in t for t in texts),
    "sealed": [v for s in sealed for v in s.values() if v],
    "urls": sorted({t.fields["url"] for t in Target.objects.all()}),
}))
"""

# The central office's figures: its own and those rolled up from the provinces below it.
FIGURES = """
import datetime, json, time
from jubao.federation.jobs import below_figures, own_figures
since = datetime.date.today() - datetime.timedelta(days=31)
def total(days, name):
    return sum(d.get(name, 0) for d in days.values())
for _ in range(300):
    below = below_figures(since)
    if total(below, "received") >= 3 and total(below, "answered") >= 1:
        break
    time.sleep(1)
own = own_figures(since)
print(json.dumps({"own": [total(own, "received"), total(own, "forwarded")],
                  "below": [total(below, "received"), total(below, "forwarded"),
                            total(below, "answered")]}))
"""


def test_one_acceptance_one_disposal_across_three_instances(tmp_path):
    minute = {"JUBAO_FEDERATION_ROLLUP_MINUTES": "1"}
    central = instance(tmp_path, "central", "000000", **minute)
    zhejiang = instance(tmp_path, "zj", "330000", **minute)
    guangdong = instance(tmp_path, "gd", "440000", **minute)
    with (
        running(central, zhejiang, guangdong, pages=(zhejiang,)),
        workers(central, zhejiang, guangdong),
    ):
        # Filed in Zhejiang about a platform registered in Guangzhou: routed across.
        first = file_report(zhejiang, name="金丝雀李四", phone="13900001111")
        wait_for(
            lambda: receipt_status(zhejiang, first)["status"] == "transferred",
            what="the case to be routed to Guangdong",
        )
        time.sleep(5)  # delivered, and Guangdong's fingerprints announced
        # The same content reported at the central office joins Guangdong's case.
        second = file_report(central, name="金丝雀王五", phone="13900002222")

        # Disposed of in Guangdong; every move goes back to where each report was filed.
        done = shell(guangdong, DISPOSE)
        assert done == {"status": "answered", "reports": 2}
        for server, receipt in ((zhejiang, first), (central, second)):
            view = wait_for(
                lambda s=server, r=receipt: (
                    (v := receipt_status(s, r))["status"] == "answered" and v
                ),
                what="the answer to come back",
            )
            texts = " ".join(line["text"] for line in view["lines"])
            assert ANSWER in texts and "Accepted" in texts
        assert ANSWER in receipt_page(zhejiang, first)

        gd = state(guangdong)
        assert [(c["office"], c["reports"], c["status"]) for c in gd["cases"]] == [
            ("440100", 2, "answered")
        ]
        assert sorted((x["direction"], x["peer"], x["joined"]) for x in gd["links"]) == [
            ("in", "000000", True),
            ("in", "330000", False),
        ]
        zj = state(zhejiang)
        assert zj["cases"][0]["status"] == "transferred"
        assert zj["links"][0]["remote_status"] == "answered"
        assert zj["outbox"]["failed"] == 0
        assert shell(guangdong, LEAKS) == {
            "names": False,
            "phones": False,
            "sealed": [],
            "urls": [PLATFORM_URL],
        }
        for log in (guangdong.log_bytes(), central.log_bytes()):
            assert b"13900001111" not in log

        # Figures roll up: the central office sees what the provinces below it did.
        figures = shell(central, FIGURES)
        assert figures["own"] == [1, 1]
        assert figures["below"] == [3, 1, 1]
