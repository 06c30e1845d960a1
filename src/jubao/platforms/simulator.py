"""A simulated website platform that works through the signed platform API over real HTTP.

`SimulatedPlatform.run_once()` plays one round as a platform's integration would: list the open
transfers, acknowledge the new ones with a ticket number of its own, then report what it did with
a screenshot and a note. To exercise the office's side it can act late (after the due time), send
a malformed report first and a correct one the next round, or dispute a transfer.

Every choice about a transfer is drawn from one seeded random generator when the transfer is first
seen, so a run with the same seed over the same transfers makes the same choices. The simulator
only speaks HTTP: it knows nothing of jubao's database or code, as a real platform would not.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import random
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from http_message_signatures.structures import CaseInsensitiveDict
from PIL import Image, ImageDraw

API = "/api/v1/platform"
# What a platform would write when it has carried out each measure.
NOTES = {
    "content.remove": "已删除该内容",
    "content.block": "已屏蔽该内容，其他用户不可见",
    "link.block": "已断开该链接",
    "fasttrack.remove": "已按快速处置流程删除该内容",
    "content.private": "已将该内容设为限时私密",
    "content.dispute_label": "已为该内容添加争议标签",
    "search.remove_link": "已删除该搜索结果链接",
    "search.remove_snippet": "已删除该搜索结果摘要",
    "search.remove_snapshot": "已删除该网页快照",
    "search.remove_autocomplete": "已删除该联想词",
    "search.remove_related": "已删除该相关搜索词",
    "account.warning": "已向该账号发出警示提醒",
    "account.mute": "已对该账号禁言",
    "account.limit_features": "已限制该账号的部分功能",
    "account.suspend": "已暂停该账号更新",
    "account.close": "已关闭该账号",
    "blacklist.account": "已将该账号列入黑名单",
    "blacklist.subject": "已将该账号主体列入黑名单",
}
CASE_NOTE = "已按举报事项核查并处理相关内容"
DISPUTE_REASONS = ("该内容不在本平台", "经核查该内容未构成侵权", "该账号已于此前注销")
COLOURS = ("#f4f4f4", "#fff8e6", "#eef6ff", "#f0fff0")


@dataclass
class Plan:
    """What the platform will do with one transfer, decided when it first sees it."""

    reference: str
    late: bool
    fail: bool
    dispute: bool
    colour: str
    reason: str
    failed_once: bool = False


@dataclass(frozen=True)
class Action:
    """One thing the platform did (or chose not to do yet) in a round."""

    transfer: str
    verb: str  # acknowledge, report, report_malformed, dispute, wait_due, wait_answer
    status: int = 0  # the HTTP status of the answer; 0 when nothing was sent
    detail: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    body: Any


class PlatformApiError(Exception):
    """An answer the simulator did not expect (for example the signature was refused)."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"{response.status}: {response.body}")
        self.response = response


@dataclass
class _Message:
    """The view of a request the signature library reads and writes."""

    method: str
    url: str
    headers: Any


@dataclass
class SimulatedPlatform:
    base_url: str
    key_id: str
    private_key: Ed25519PrivateKey
    seed: int | None = None
    late_rate: float = 0.0
    fail_rate: float = 0.0
    dispute_rate: float = 0.0
    timeout: float = 30.0
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC), repr=False)
    plans: dict[str, Plan] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {self.base_url!r}")
        self.rng = random.Random(self.seed)  # noqa: S311 (a simulation, not a secret)  # nosec B311
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519,
            key_resolver=MappingKeyResolver(
                public_keys={}, private_keys={self.key_id: self.private_key}
            ),
        )

    # --- one round -------------------------------------------------------------------------

    def run_once(self) -> list[Action]:
        """List the open transfers and move each one on as far as the plan allows."""
        listed = self.call("GET", "/transfers")
        if listed.status != 200:
            raise PlatformApiError(listed)
        actions: list[Action] = []
        for transfer in listed.body["items"]:
            actions.extend(self._handle(transfer))
        return actions

    def _handle(self, transfer: dict[str, Any]) -> list[Action]:
        tid = transfer["id"]
        plan = self.plans.get(tid) or self._plan(tid)
        due = dt.datetime.fromisoformat(transfer["due_at"])
        if plan.late and self.clock() <= due:
            return [Action(tid, "wait_due", detail=transfer["due_at"])]
        if transfer["status"] == "question":
            return [Action(tid, "wait_answer")]
        actions = []
        if transfer["acknowledged_at"] is None:
            actions.append(self._acknowledge(tid, plan))
        if plan.dispute:
            answer = self.call("POST", f"/transfers/{tid}/dispute", {"reason": plan.reason})
            return [*actions, Action(tid, "dispute", answer.status, plan.reason)]
        if plan.fail and not plan.failed_once:
            plan.failed_once = True
            return [*actions, self._report_malformed(tid)]
        return [*actions, self._report(transfer, plan)]

    def _plan(self, tid: str) -> Plan:
        # Always draw the same numbers in the same order, whatever the rates: a seed then gives
        # the same choices for the same transfers at any rate.
        rng = self.rng
        plan = Plan(
            reference=f"SIM-{rng.randrange(16**8):08X}",
            late=rng.random() < self.late_rate,
            fail=rng.random() < self.fail_rate,
            dispute=rng.random() < self.dispute_rate,
            colour=rng.choice(COLOURS),
            reason=rng.choice(DISPUTE_REASONS),
        )
        self.plans[tid] = plan
        return plan

    def _acknowledge(self, tid: str, plan: Plan) -> Action:
        answer = self.call("POST", f"/transfers/{tid}/acknowledge", {"reference": plan.reference})
        return Action(tid, "acknowledge", answer.status, plan.reference)

    def _report_malformed(self, tid: str) -> Action:
        # A broken integration: the file is not base64 at all. The API refuses it with 400.
        body = {"note": "已处理", "evidence": [{"name": "screenshot.png", "content_base64": "%%"}]}
        answer = self.call("POST", f"/transfers/{tid}/report", body)
        return Action(tid, "report_malformed", answer.status)

    def _report(self, transfer: dict[str, Any], plan: Plan) -> Action:
        tid = transfer["id"]
        note = note_for(transfer)
        png = screenshot(transfer, plan.colour)
        body = {
            "note": f"{note}（工单号 {plan.reference}）",
            "evidence": [
                {"name": "screenshot.png", "content_base64": base64.b64encode(png).decode()}
            ],
        }
        answer = self.call("POST", f"/transfers/{tid}/report", body)
        return Action(tid, "report", answer.status, note)

    # --- signed HTTP -----------------------------------------------------------------------

    def call(self, method: str, path: str, payload: Any = None) -> Response:
        """One signed request to the platform API; any HTTP answer is returned, not raised."""
        url = self.base_url + API + path
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        headers = self.sign(method, url, body, headers)
        # The scheme is checked in __post_init__: http or https only.
        request = urllib.request.Request(  # noqa: S310 (http or https only)  # nosec B310
            url, data=body or None, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310  # nosec B310
                return Response(answer.status, _json(answer.read()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, _json(exc.read()))

    def sign(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        """The headers with Content-Digest (for a body), Signature-Input and Signature added."""
        message = _Message(method, url, CaseInsensitiveDict(headers))
        covered = ["@method", "@authority", "@path"]
        if urlsplit(url).query:
            covered.append("@query")
        self._signer.sign(
            message,
            key_id=self.key_id,
            created=dt.datetime.now(dt.UTC),
            nonce=secrets.token_urlsafe(16),
            label="sig1",
            covered_component_ids=covered,
            body=body or None,
        )
        return dict(message.headers.items())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def note_for(transfer: dict[str, Any]) -> str:
    """A plausible note for what was done: by the measure's code, or for a whole case."""
    measure = transfer["case"].get("measure")
    if not measure:
        return CASE_NOTE
    return NOTES.get(measure["code"], "已按要求处置该内容")


def screenshot(transfer: dict[str, Any], colour: str) -> bytes:
    """A small PNG that stands for a screenshot of the page after the content was removed."""
    image = Image.new("RGB", (360, 200), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 359, 36), fill="#c8102e")
    draw.text((12, 12), "404 - content removed", fill="white")
    targets = transfer["case"].get("targets") or [{}]
    draw.text((12, 60), str(targets[0].get("url", ""))[:56], fill="black")
    draw.text((12, 90), f"case {transfer['case'].get('case', '')}", fill="#555555")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def run_forever(
    platform: SimulatedPlatform,
    *,
    interval: float,
    report: Callable[[list[Action]], None],
    rounds: int | None = None,
) -> None:
    """Rounds every `interval` seconds; a server that cannot be reached is tried again."""
    done = 0
    while rounds is None or done < rounds:
        try:
            report(platform.run_once())
        except OSError as exc:
            report([Action("-", "unreachable", detail=str(exc))])
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)
