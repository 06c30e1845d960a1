"""Tests for jubao.analysis.pii: per kind valid, near-miss and adversarial inputs."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jubao.analysis import pii
from jubao.analysis.pii import KINDS, Finding, has_minor, redact, scan

TODAY = date(2025, 6, 1)


# Independent check-digit helpers, written from the standards rather than imported, so a
# bug in the module cannot hide in the test data.
def id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return (
        body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]
    )


def uscc(body17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + alphabet[(31 - total % 31) % 31]


def luhn(body: str) -> str:
    for check in "0123456789":
        digits = [int(c) for c in body + check][::-1]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return body + check
    raise AssertionError


ADULT_ID = id_number("11010119900307123")  # born 1990-03-07
CHILD_ID = id_number("33010620100101002")  # born 2010-01-01
CARD = luhn("622202123456789012")  # 19 digits, UnionPay
USCC = "91350100M000100Y43"


def kinds(text: str, threshold: float = 0.5) -> list[tuple[str, str]]:
    """(kind, matched original text) for findings at or above the threshold."""
    return [
        (f.kind, text[f.start : f.end])
        for f in scan(text, today=TODAY)
        if f.confidence >= threshold
    ]


def wrong_check(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("1" if last != "1" else "2")


# --- id_card -------------------------------------------------------------------------


def test_id_card_valid_with_age_and_region() -> None:
    [f] = scan(f"身份证号：{ADULT_ID}", today=TODAY)
    assert (f.kind, f.value, f.birth_date, f.age, f.minor) == (
        "id_card",
        ADULT_ID,
        date(1990, 3, 7),
        35,
        False,
    )
    assert f.confidence >= 0.95


def test_id_card_minor_and_check_x() -> None:
    child = CHILD_ID
    findings = scan(f"孩子的身份证{child}", today=TODAY)
    assert [f.kind for f in findings] == ["id_card"]
    assert findings[0].minor and findings[0].age == 15
    assert has_minor(findings)
    assert not has_minor(scan(ADULT_ID, today=TODAY))
    x_id = next(
        n for n in (id_number(f"11010119900307{i:03d}") for i in range(1000)) if n.endswith("X")
    )
    assert kinds(x_id.lower()) == [("id_card", x_id.lower())]


def test_id_card_region_is_soft() -> None:
    odd_region = id_number("99010119900307123")
    [f] = scan(odd_region, today=TODAY)
    assert f.kind == "id_card" and 0.5 <= f.confidence < 0.95


@pytest.mark.parametrize(
    "text",
    [
        wrong_check(ADULT_ID),
        id_number("11010119901332123"),  # month 13
        id_number("11010120250230123"),  # 30 February
        id_number("11010121000101123"),  # born in the future
        "9" + ADULT_ID,  # embedded in a longer run
        ADULT_ID + "7",
        f"订单号{ADULT_ID}",
    ],
)
def test_id_card_near_misses(text: str) -> None:
    assert [k for k, _ in kinds(text, 0.0) if k == "id_card"] == []


def test_id_card_spaced_and_fullwidth() -> None:
    spaced = f"{ADULT_ID[:6]} {ADULT_ID[6:14]} {ADULT_ID[14:]}"
    assert kinds(f"证件 {spaced}") == [("id_card", spaced)]
    wide = ADULT_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert kinds(f"身份證{wide}") == [("id_card", wide)]


# --- phone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "16612345678",
        "19912345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "138 1234 5678",
        "138-1234-5678",
        "010-12345678",
        "0571-8888888",
        "(021)62345678",
        "１３８１２３４５６７８",
    ],
)
def test_phone_valid(number: str) -> None:
    assert kinds(f"联系我{number}谢谢") == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "10012345678",  # prefix 10
        "11012345678",
        "12012345678",
        "12345678901",
        "138123456789",  # 12 digits
        "913812345678",  # embedded
        "1697350000",  # unix timestamp
        "20231015123045",  # compact date-time
        "价格13812345678.50元",  # a decimal amount
        "订单号13812345678",
    ],
)
def test_phone_near_misses(text: str) -> None:
    assert [k for k, _ in kinds(text, 0.0) if k == "phone"] == []


def test_phone_next_to_other_numbers_still_found() -> None:
    assert kinds("2023 13812345678 联系") == [("phone", "13812345678")]
    assert kinds("电话010-12345678-801") == [("phone", "010-12345678")]


def test_phone_context_raises_confidence() -> None:
    [plain] = scan("13812345678")
    [cued] = scan("手机：13812345678")
    [trad] = scan("電話：13812345678")
    assert plain.confidence < cued.confidence == trad.confidence


# --- bank_card -----------------------------------------------------------------------


def test_bank_card_with_and_without_context() -> None:
    [cued] = scan(f"银行卡号 {CARD} 开户行：工商银行")
    assert cued.kind == "bank_card" and cued.confidence >= 0.9
    [plain] = scan(f"就是这个{CARD}")
    assert plain.kind == "bank_card" and plain.confidence < cued.confidence
    grouped = " ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4))
    assert kinds(f"銀行卡 {grouped}") == [("bank_card", grouped)]


def test_bank_card_near_misses() -> None:
    assert kinds(f"卡号{wrong_check(CARD)}", 0.0) == []
    order = luhn("202310151230451234")
    assert kinds(f"订单号：{order}", 0.0) == []
    assert kinds(f"序列号 {CARD}", 0.0) == []
    # A Luhn-valid number without a cue or a card network stays below 0.5.
    odd = luhn("900000000000000")
    assert all(f.confidence < 0.5 for f in scan(odd))


# --- uscc ----------------------------------------------------------------------------


def test_uscc_valid_and_near_miss() -> None:
    assert kinds(f"统一社会信用代码：{USCC}") == [("uscc", USCC)]
    generated = uscc("91330106MA2B3C4D5")
    assert [k for k, _ in kinds(f"营业执照 {generated}")] == ["uscc"]
    assert kinds(f"信用代码 {wrong_check(USCC)}", 0.0) == []
    assert kinds("信用代码 91350100M000100Y4", 0.0) == []  # 17 characters
    assert kinds(f"信用代码 {USCC[:-1]}S", 0.0) == []  # S is not in the alphabet


# --- email, passport, permit, plate, qq, wechat ---------------------------------------


def test_email() -> None:
    assert kinds("邮箱：zhang.san+x@mail.example.com.cn。") == [
        ("email", "zhang.san+x@mail.example.com.cn")
    ]
    assert kinds("邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ") == [("email", "ｚｈａｎｇ＠ｑｑ．ｃｏｍ")]
    assert kinds("@微博用户 转发", 0.0) == []
    assert kinds("name@localhost", 0.0) == []


def test_passport_and_permit() -> None:
    assert kinds("护照号码E12345678") == [("passport", "E12345678")]
    assert kinds("護照 EA1234567") == [("passport", "EA1234567")]
    assert kinds("港澳通行证C12345678") == [("permit", "C12345678")]
    assert kinds("回乡证H1234567890") == [("permit", "H1234567890")]
    assert kinds("护照E1234567", 0.0) == []  # too short
    assert kinds("型号E123456789", 0.0) == []  # too long
    assert kinds("P1234567 型号", 0.0) == []  # official passports need a cue
    [f] = scan("C12345678")
    assert f.confidence < scan("通行证 C12345678")[0].confidence


def test_plate() -> None:
    assert kinds("车牌浙A12345的车") == [("plate", "浙A12345")]
    assert kinds("京A·12345") == [("plate", "京A·12345")]
    assert kinds("新能源粤BD12345") == [("plate", "粤BD12345")]
    assert kinds("粤B12345D") == [("plate", "粤B12345D")]
    assert kinds("浙AB1CDE", 0.0) == []  # too few digits
    assert kinds("浙I12345", 0.0) == []  # I is never used
    assert kinds("浙A123456", 0.0) == []  # six digits is not a new-energy plate


def test_qq_and_wechat() -> None:
    assert kinds("加我QQ：123456789") == [("qq", "123456789")]
    assert kinds("扣扣 2233445566 企鹅号也行") == [("qq", "2233445566")]
    assert kinds("123456789", 0.0) == []  # no cue
    assert kinds("QQ群123456789", 0.0) == []  # group numbers are not personal
    assert kinds("微信号：wxid_abc123") == [("wechat", "wxid_abc123")]
    assert kinds("加V 13812345678") == [("wechat", "13812345678")]
    assert kinds("VX: zhangsan_88") == [("wechat", "zhangsan_88")]
    assert kinds("微信支付很方便", 0.0) == []


# --- address, medical, whereabouts -----------------------------------------------------


def test_address_full_and_partial() -> None:
    full = "浙江省杭州市西湖区文三路100号3幢2单元501室"
    assert kinds(f"家住{full}，快来") == [("address", full)]
    assert kinds("我住在某某小区5栋2单元301") == [("address", "某某小区5栋2单元301")]
    [f] = scan(f"地址：{full}")
    assert f.confidence >= 0.9


def test_address_near_misses() -> None:
    assert kinds("这个城市的人民路很美", 0.0) == []  # no number
    assert kinds("地铁2号线", 0.0) == []
    assert kinds("第3单元的考试", 0.0) == []


def test_medical_needs_a_person_cue() -> None:
    assert kinds("他确诊了艾滋病") == [("medical", "艾滋病")]
    assert kinds("她患有抑郁症很多年") == [("medical", "抑郁症")]
    assert kinds("他是HIV携带者") == [("medical", "HIV")]
    assert kinds("抑郁症的科普知识", 0.0) == []
    assert kinds("你是精神病吧", 0.0) == []
    # Used as an insult with only a pronoun, it stays below the reporting threshold.
    assert kinds("他是精神病") == []
    assert kinds("醫院說他確診癌症") == [("medical", "癌症")]
    # The cue must be in the same sentence (found by the repetition property below).
    assert kinds("癌症000000他。\n癌症000000他。\n", 0.0) == []
    assert kinds("他很好。癌症的科普知识", 0.0) == []


def test_whereabouts() -> None:
    assert kinds("她昨晚入住了汉庭酒店8012房间") == [("whereabouts", "汉庭酒店8012房间")]
    assert kinds("他现在在如家酒店") == [("whereabouts", "如家酒店")]
    assert kinds("他坐G1234次高铁去上海") == [("whereabouts", "G1234")]
    assert kinds("她乘坐航班CA1234回京") == [("whereabouts", "CA1234")]
    assert kinds("G20峰会", 0.0) == []
    assert kinds("型号CA1234", 0.0) == []
    assert kinds("他现在在干嘛", 0.0) == []
    assert kinds("该男子现在在如家酒店") == [("whereabouts", "如家酒店")]


# --- API, offsets, redaction -------------------------------------------------------------


def test_kinds_and_finding_shape() -> None:
    assert len(KINDS) == 13 and "id_card" in KINDS and "whereabouts" in KINDS
    f = scan("13812345678")[0]
    assert isinstance(f, Finding)
    with pytest.raises(AttributeError):
        f.start = 3  # type: ignore[misc]


def test_offsets_point_into_original_with_expanding_characters() -> None:
    # "⑩" becomes two characters after NFKC; offsets must still index the original.
    text = "⑩楼 ﬁ 电话１３８ １２３４ ５６７８ 完"
    [f] = scan(text)
    assert text[f.start : f.end] == "１３８ １２３４ ５６７８"
    assert f.value == "13812345678"


def test_redact() -> None:
    text = f"手机13812345678，身份证{ADULT_ID}，邮箱a@b.cn"
    assert redact(text) == "手机[电话号码]，身份证[身份证号]，邮箱[邮箱]"
    findings = scan(text)
    assert redact(text, findings[:1]) == f"手机[电话号码]，身份证{ADULT_ID}，邮箱a@b.cn"
    assert redact("没有个人信息") == "没有个人信息"
    assert set(pii.LABELS) == set(KINDS)


def test_no_django_import() -> None:
    code = (
        "import sys, jubao.analysis.pii as p; p.scan('13812345678'); print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- robustness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "１-" * 50_000,
        "省市区路号" * 20_000,
        "1 " * 50_000,
        "a@" * 50_000,
        "微信" * 50_000,
        "他现在在" * 25_000,
        "入住" * 50_000,
        "1号" * 50_000,
        "浙A" * 50_000,
        "QQ" * 50_000,
        "⑩" * 50_000,
        "a" * 100_000 + "1",
        "a1" * 50_000,
    ],
)
def test_pathological_inputs_return(text: str) -> None:
    assert scan(text) == []


SAMPLE = "手机13812345678，家住某某小区5栋2单元301，他确诊了艾滋病，QQ：123456789。"


@pytest.mark.parametrize("k", [1, 2, 7, 50])
def test_findings_scale_linearly_with_repetition(k: int) -> None:
    single = scan(SAMPLE, today=TODAY)
    assert len(single) == 4
    repeated = scan(SAMPLE * k, today=TODAY)
    assert len(repeated) == 4 * k
    assert [f.kind for f in repeated] == [f.kind for f in single] * k
    assert all(
        f.start == g.start + i * len(SAMPLE)
        for i in range(k)
        for f, g in [(repeated[4 * i], single[0])]
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_scan_never_crashes_and_spans_are_valid(text: str) -> None:
    findings = scan(text)
    assert findings == sorted(findings, key=lambda f: f.start)
    for prev, cur in itertools.pairwise(findings):
        assert prev.end <= cur.start
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.kind in KINDS and 0.0 <= f.confidence <= 1.0
    redact(text)


ALPHABET = st.sampled_from(
    list("0123456789１２３ -+()@.XxEGCH京A省市区路号栋单元室他在确诊癌症微信QQ，。 ")
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=200), st.integers(min_value=2, max_value=5))
def test_repetition_with_separator_multiplies_findings(text: str, k: int) -> None:
    # A sentence break between copies keeps them independent, so counts must multiply.
    unit = text + "。\n"
    assert len(scan(unit * k, today=TODAY)) == k * len(scan(unit, today=TODAY))


# --- batch API and the trigger gate ------------------------------------------------------

BATCH_ALPHABET = st.sampled_from(
    [
        *"0123456789１２ -+()@.XxqQvVwW京A省市号栋单元室他她人在现确诊癌症微信扣企鹅入住酒店",
        *("\n", "QQ", "vx", "check in", "HIV", "现在在", "入住了", ADULT_ID, CARD, "13812345678"),
        *("⑩", "電話", "ｑｑ", "１３８１２３４５６７８", "\n\n", " \n", "\u200b"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(BATCH_ALPHABET, max_size=40).map("".join), max_size=8))
def test_scan_many_equals_scan_per_text(texts: list[str]) -> None:
    # Texts containing the separator ("\n") or ending next to it must not leak into
    # their neighbours.
    assert pii.scan_many(texts, today=TODAY) == [scan(t, today=TODAY) for t in texts]


def test_scan_many_keeps_cues_and_numbers_apart() -> None:
    texts = ["电话", "13812345678", "QQ", "123456789", "", "他现在", "在如家酒店", "浙", "A12345"]
    assert pii.scan_many(texts, today=TODAY) == [scan(t, today=TODAY) for t in texts]
    assert [len(found) for found in pii.scan_many(["手机13812345678", "没有", "\n"])] == [1, 0, 0]
    assert pii.scan_many([]) == []
    assert pii.scan_many(iter(["a@b.cn"]))[0][0].kind == "email"


@settings(max_examples=300, deadline=None)
@given(st.lists(BATCH_ALPHABET, max_size=60).map("".join))
def test_gate_is_a_necessary_condition(text: str) -> None:
    # Running every detector regardless of the gate must not find anything more.
    from jubao.analysis.pii import _gate

    everything = (1 << 10) - 1
    assert pii._scan(text, everything, TODAY) == pii._scan(text, _gate.families(text), TODAY)
    assert _gate.families_many([text, text]) == [_gate.families(text)] * 2


def test_address_parts_with_hundreds_and_households() -> None:
    # Stretches are cut at punctuation; a chain never crosses one.
    assert kinds("家住阳光小区5栋2单元301，12号") == [("address", "阳光小区5栋2单元301")]
    assert kinds("阳光小区，5栋", 0.0) == []


# --- internals kept equal to their plain forms -------------------------------------------


def test_fast_finding_equals_the_dataclass() -> None:
    import dataclasses

    from jubao.analysis.pii._model import finding, moved

    args = (3, 21, "id_card", 0.99, ADULT_ID, "resident", date(1990, 3, 7), 35, False)
    fast, plain = finding(*args), Finding(*args)
    assert fast == plain and repr(fast) == repr(plain) and hash(fast) == hash(plain)
    assert dataclasses.replace(fast, start=5) == moved(plain, 5, 21) == Finding(5, *args[1:])
    assert finding(1, 2, "phone", 0.9) == Finding(1, 2, "phone", 0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.start = 4  # type: ignore[misc]


def test_check_digit_tables_agree_with_other_digits() -> None:
    from jubao.analysis.pii._checks import id_check_char, luhn_ok, org_code_ok, uscc_check_char

    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    # Non-ASCII digits take the general path and give the same answers.
    assert luhn_ok(CARD) and not luhn_ok(wrong_check(CARD))
    assert id_check_char(ADULT_ID[:17].translate(wide)) == ADULT_ID[17]
    assert uscc_check_char(USCC[:17]) == USCC[17]
    assert uscc_check_char(USCC[:17].lower()) is None
    assert org_code_ok(USCC[8:17]) and not org_code_ok("M000100Y５")
    with pytest.raises(ValueError):
        id_check_char("1101011990030712A")
