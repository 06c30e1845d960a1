"""Demo reports across the catalogue, filed through the same services as real ones."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from jubao.accounts.models import User
from jubao.intake import pow
from jubao.intake.drafts import Contact, Draft
from jubao.intake.models import Report
from jubao.intake.services import report_submit

# item, description, target fields, channel
REPORTS = [
    (
        "personal.doxxing",
        "有人在论坛发帖公开我的住址和电话，号召网友上门“讨说法”。",
        {
            "url": "https://xinghe.example/t/1001",
            "platform": "星河社区",
            "excerpt": "她就住在幸福小区3栋2单元，大家去门口堵她",
        },
        "web",
    ),
    (
        "personal.doxxing",
        "同一个帖子，我是路过看到的，已经有很多人转发了。",
        {
            "url": "https://m.xinghe.example/t/1001?from=share",
            "platform": "星河社区",
            "excerpt": "人肉出来了，转发扩散",
        },
        "mobile",
    ),
    (
        "personal.cyber_attack",
        "我的每条视频下都有几百条辱骂评论，还有人私信威胁我。",
        {
            "url": "https://yunfan.example/v/88231",
            "platform": "云帆短视频",
            "excerpt": "滚出网络，见一次骂一次",
        },
        "web",
    ),
    (
        "minors.identity",
        "有人把我孩子的照片、学校和班级发到了群里取笑。",
        {
            "url": "https://nanshan.example/thread/5521",
            "platform": "南山论坛",
            "excerpt": "某某小学三年级二班，就是照片里这个",
        },
        "phone",
    ),
    (
        "personal.impersonation",
        "有人用我的姓名和照片注册账号，冒充我向亲友借钱。",
        {
            "url": "https://xinghe.example/u/fake_lin",
            "platform": "星河社区",
            "account_name": "小林本人",
            "excerpt": "我是小林，最近手头紧",
        },
        "web",
    ),
    (
        "search.autocomplete",
        "搜索我的名字时，联想词出现“诈骗犯”，这与事实不符。",
        {
            "engine": "知行搜索",
            "query": "林某某",
            "autocomplete_term": "林某某 诈骗犯",
            "url": "https://zhixing.example/s?q=linmoumou",
        },
        "letter",
    ),
    (
        "enterprise.false_info",
        "自媒体账号编造我公司产品致癌的谣言，影响正常经营。",
        {
            "url": "https://yunfan.example/v/99102",
            "platform": "云帆短视频",
            "excerpt": "某某科技的产品含致癌物，千万别买",
        },
        "web",
    ),
]


@dataclass(frozen=True)
class DemoReceipt:
    reference: str
    item: str
    receipt: str


def _solved_challenge() -> str:
    challenge = pow.challenge_new()
    for number in range(challenge["maxnumber"] + 1):
        text = f"{challenge['salt']}{number}".encode()
        if hashlib.sha256(text).hexdigest() == challenge["challenge"]:
            payload = {**challenge, "number": number}
            payload.pop("maxnumber")
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise RuntimeError("unsolvable challenge")


def _targets(item_code: str, fields: dict[str, str]) -> dict[str, str]:
    from jubao.catalogue import get_catalogue

    item = get_catalogue().item(item_code)
    allowed = {f.code for f in (*item.targets, *item.optional_targets)}
    return {k: v for k, v in fields.items() if k in allowed}


def load() -> list[DemoReceipt]:
    """File the demo reports once; return their receipts (empty if they exist already)."""
    if Report.objects.exists():
        return []
    clerk = User.objects.get(username="intake")
    receipts = []
    for item, text, fields, channel in REPORTS:
        offline = channel in ("phone", "letter")
        draft = Draft(
            item_code=item,
            reporter_role="victim",
            description=text,
            targets=(_targets(item, fields),),
            truthful=True,
            contact=Contact(name="演示用户", phone="13800000000"),
            channel=channel,
        )
        result = report_submit(
            draft=draft,
            entered_by=clerk if offline else None,
            pow_payload=None if offline else _solved_challenge(),
        )
        receipts.append(DemoReceipt(result.report.reference, item, result.receipt))
    return receipts
