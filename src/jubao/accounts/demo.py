"""Demo offices, platforms and one user of each role, created through the services."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from jubao.accounts.models import Office, Platform, Role, User
from jubao.accounts.services import offices_load, platform_create, user_create
from jubao.ledger.services import ledger_append, obj_ref

DEMO_OFFICE = "330000"  # Zhejiang: the demo province
PLATFORMS = [
    # name, English name, ICP filing number, registered in, host names (reserved .example TLD)
    ("星河社区", "Xinghe Community", "浙ICP备20260001号", "330106", ["xinghe.example"]),
    ("云帆短视频", "Yunfan Video", "浙ICP备20260002号-1", "330108", ["yunfan.example"]),
    ("知行搜索", "Zhixing Search", "京ICP备20260003号", "110108", ["zhixing.example"]),
    ("南山论坛", "Nanshan Forum", "粤ICP备20260004号", "440305", ["nanshan.example"]),
]
USERS = [
    # username, display name, role, approver level, office or platform
    ("intake", "受理员 王敏", Role.INTAKE, 0, DEMO_OFFICE),
    ("reviewer", "审核员 李强", Role.REVIEWER, 0, DEMO_OFFICE),
    ("disposal", "处置员 陈静", Role.DISPOSAL, 0, DEMO_OFFICE),
    ("approver1", "科长 赵磊", Role.APPROVER, 1, DEMO_OFFICE),
    ("approver2", "处长 孙丽", Role.APPROVER, 2, DEMO_OFFICE),
    ("approver3", "主任 周涛", Role.APPROVER, 3, DEMO_OFFICE),
    ("supervisor", "督办员 吴芳", Role.SUPERVISOR, 0, DEMO_OFFICE),
    ("custodian", "身份保管员 郑华", Role.CUSTODIAN, 0, DEMO_OFFICE),
    ("auditor", "审计员 冯洁", Role.AUDITOR, 0, DEMO_OFFICE),
    ("admin", "管理员 钱军", Role.ADMIN, 0, DEMO_OFFICE),
    ("central", "中央网信办 值班员", Role.INTAKE, 0, "000000"),
    ("platform", "星河社区 投诉专员", Role.PLATFORM, 0, "星河社区"),
    ("enterprise", "企业用户 杭州某科技", Role.ENTERPRISE, 0, None),
    ("citizen", "网民 小林", Role.CITIZEN, 0, None),
]


@dataclass(frozen=True)
class Credential:
    username: str
    role: str
    password: str
    totp_key: str | None


def _new_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def _ensure_platforms() -> None:
    for name, name_en, icp, code, domains in PLATFORMS:
        if not Platform.objects.filter(icp_number=icp).exists():
            platform_create(
                actor="system",
                name=name,
                name_en=name_en,
                icp_number=icp,
                jurisdiction=Office.objects.get(code=code),
                domains=domains,
            )


def _ensure_user(
    username: str, display: str, role: str, level: int, where: str | None, password: str
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        office = Office.objects.filter(code=where).first() if where else None
        platform = Platform.objects.filter(name=where).first() if where else None
        return user_create(
            actor="system",
            username=username,
            password=password,
            display_name=display,
            office=office,
            platform=platform,
            roles={role: level},
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    ledger_append(actor="system", action="user.password_reset", ref=obj_ref(user))
    return user


def _ensure_totp(user: User) -> str | None:
    """Demo staff get a confirmed authenticator whose key is printed (use `jubao totp`)."""
    if not user.role_grants.exclude(role__in=[Role.CITIZEN, Role.ENTERPRISE]).exists():
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        ledger_append(actor="system", action="second_factor.enrol", ref=obj_ref(user))
    return device.config_url.split("secret=")[1].split("&")[0]


@transaction.atomic
def load() -> list[Credential]:
    """Create (or refresh) the demo organisations and users; return their new credentials."""
    offices_load(actor="system")
    _ensure_platforms()
    credentials = []
    for username, display, role, level, where in USERS:
        password = _new_password()
        user = _ensure_user(username, display, role, level, where, password)
        credentials.append(
            Credential(username, str(Role(role).label), password, _ensure_totp(user))
        )
    return credentials
