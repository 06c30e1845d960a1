"""Benchmark jubao.analysis.pii against Microsoft Presidio on real Chinese text.

Run from the project root:  .venv/bin/python bench/pii.py  [--texts N] [--seed S]

Our side is timed through the batch API ``scan_many`` (500 texts per call); ``scan`` one
text at a time is timed too and must give the same findings.  Two floors are timed in the
same chunks: our trigger pass alone and a bare digit-run regex pass over each text.

Base texts are COLD comments and Weibo reposts from ../shared/data (read in place).  A
fixed-seed sample gets valid identifiers (generated with correct check digits) and
near-misses (wrong check digits, order numbers, timestamps ...) inserted at random
positions; the inserted valid identifiers are the ground truth.  Both detectors run on
the same texts in the same process.  A prediction counts as correct when it has the same
kind as a ground-truth span and overlaps it (each span matches at most once).  Both sides
report at a confidence threshold of 0.5.  Base texts are assumed free of personal data, so
real personal data already present in them counts against both detectors alike.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import re
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

from jubao.analysis.pii import KINDS, Finding, scan, scan_many  # noqa: E402
from jubao.analysis.pii._checks import (  # noqa: E402
    id_check_char,
    luhn_ok,
    uscc_check_char,
    valid_id_number,
    valid_uscc,
)
from jubao.analysis.pii._gate import families_many  # noqa: E402

THRESHOLD = 0.5
TODAY = date(2025, 6, 1)
Span = tuple[int, int, str]


# --- data ------------------------------------------------------------------------------


def load_texts() -> list[str]:
    """COLD training comments and the Weibo repost texts."""
    if not DATA.is_dir():
        sys.exit(f"data folder not found: {DATA} (expected ../shared/data from the project root)")
    texts: list[str] = []
    with (DATA / "cold" / "train.csv").open(encoding="utf-8-sig", newline="") as fh:
        texts += [row["TEXT"] for row in csv.DictReader(fh) if row["TEXT"].strip()]
    for path in sorted((DATA / "ced-sample").glob("*-repost/*.json")):
        posts = json.loads(path.read_text(encoding="utf-8"))
        texts += [p["text"] for p in posts if p.get("text", "").strip()]
    return texts


# --- generators: each returns (snippet, (start, end) of the identifier or None, kind) -----

PROVINCES = ["浙江省", "广东省", "江苏省", "四川省", "河南省", "北京市", "上海市"]
CITIES = ["杭州市", "广州市", "南京市", "成都市", "郑州市", "宁波市"]
DISTRICTS = ["西湖区", "天河区", "鼓楼区", "武侯区", "金水区", "海曙区", "朝阳区"]
ROADS = ["文三路", "中山大道", "人民路", "解放街", "建设北路", "长江路"]
ESTATES = ["阳光小区", "翠苑新村", "金色家园", "幸福花园", "绿城公寓"]
HOTELS = ["汉庭酒店", "如家酒店", "锦江之星宾馆", "全季酒店", "希尔顿酒店"]
PLACES = ["杭州东站", "萧山机场", "市第一人民医院", "万达广场", "阳光小区"]
TERMS = ["艾滋病", "乙肝", "抑郁症", "癌症", "HIV", "白血病", "精神分裂症", "梅毒"]
PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
REGIONS = ["110101", "330106", "440106", "320102", "510107", "410105", "310115"]
MOBILE = ["138", "139", "150", "186", "199", "166", "177", "135", "189", "191"]


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def fullwidth(s: str) -> str:
    return s.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})


def wrap(rng: random.Random, templates: list[str], value: str) -> tuple[str, tuple[int, int]]:
    template = rng.choice(templates)
    start = template.index("{}")
    return template.replace("{}", value), (start, start + len(value))


def gen_id(rng: random.Random) -> str:
    born = date.fromordinal(
        rng.randint(date(1950, 1, 1).toordinal(), date(2015, 12, 31).toordinal())
    )
    body = rng.choice(REGIONS) + born.strftime("%Y%m%d") + digits(rng, 3)
    return body + id_check_char(body)


def gen_card(rng: random.Random) -> str:
    body = rng.choice(["622202", "621700", "622848", "436742", "622588"]) + digits(
        rng, rng.choice([9, 12])
    )
    return next(body + c for c in string.digits if luhn_ok(body + c))


def gen_uscc(rng: random.Random) -> str:
    org = "".join(rng.choice(string.digits + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(org, weights, strict=True)
    )
    check = 11 - total % 11
    org += "X" if check == 10 else "0" if check == 11 else str(check)
    body = rng.choice("159") + rng.choice("123") + rng.choice(REGIONS) + org
    return body + (uscc_check_char(body) or "0")


def valid_sample(rng: random.Random, kind: str) -> tuple[str, tuple[int, int]]:
    """A snippet containing one valid identifier of ``kind`` and its span in the snippet."""
    if kind == "id_card":
        value = gen_id(rng)
        value = fullwidth(value) if rng.random() < 0.15 else value
        return wrap(rng, ["身份证号{}", "身份证：{}", "{}", "身份證 {}", "证件号码{}"], value)
    if kind == "phone":
        number = rng.choice(MOBILE) + digits(rng, 8)
        value = rng.choice(
            [
                number,
                number,
                f"{number[:3]} {number[3:7]} {number[7:]}",
                f"{number[:3]}-{number[3:7]}-{number[7:]}",
                "+86" + number,
                fullwidth(number),
                "0571-8" + digits(rng, 7),
                "010-6" + digits(rng, 7),
            ]
        )
        return wrap(rng, ["电话{}", "手机：{}", "联系{}", "{}", "打{}找我", "電話 {}"], value)
    if kind == "bank_card":
        card = gen_card(rng)
        value = (
            " ".join(card[i : i + 4] for i in range(0, len(card), 4))
            if rng.random() < 0.3
            else card
        )
        return wrap(
            rng, ["银行卡号{}", "卡号：{}", "开户行工商银行，账号{}", "转账到{}", "{}"], value
        )
    if kind == "uscc":
        return wrap(rng, ["统一社会信用代码{}", "信用代码：{}", "营业执照{}", "{}"], gen_uscc(rng))
    if kind == "email":
        user = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
        value = (
            f"{user}{digits(rng, 2)}@{rng.choice(['qq.com', '163.com', 'gmail.com', 'sina.cn'])}"
        )
        return wrap(rng, ["邮箱{}", "email: {}", "发到{}"], value)
    if kind == "passport":
        value = rng.choice(["E", "G"]) + digits(rng, 8)
        return wrap(rng, ["护照号{}", "护照：{}", "passport {}"], value)
    if kind == "permit":
        value = rng.choice(["C", "H", "M"]) + digits(rng, 8)
        return wrap(rng, ["港澳通行证{}", "回乡证：{}", "通行证号码{}"], value)
    if kind == "plate":
        serial = rng.choice(
            [digits(rng, 5), rng.choice("ABCDEFGH") + digits(rng, 4), "D" + digits(rng, 5)]
        )
        value = rng.choice(PLATE_PROV) + rng.choice(PLATE_LETTERS.replace("I", "")) + serial
        return wrap(rng, ["车牌{}", "开着{}的车", "{}"], value)
    if kind == "qq":
        value = str(rng.randint(10_000, 3_999_999_999))
        return wrap(rng, ["QQ：{}", "加我qq{}", "扣扣{}", "企鹅号{}"], value)
    if kind == "wechat":
        value = rng.choice(["wxid_", "zhang", "li_", "w"]) + "".join(
            rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(5, 10))
        )
        return wrap(rng, ["微信：{}", "加V {}", "vx：{}", "微信号{}"], value)
    if kind == "address":
        value = rng.choice(
            [
                f"{rng.choice(PROVINCES)}{rng.choice(CITIES)}{rng.choice(DISTRICTS)}"
                f"{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                f"{rng.choice(CITIES)}{rng.choice(DISTRICTS)}{rng.choice(ROADS)}"
                f"{rng.randint(1, 500)}号{rng.randint(1, 30)}幢{rng.randint(1, 6)}单元"
                f"{rng.randint(101, 2802)}室",
                f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
                f"{rng.randint(101, 2802)}",
            ]
        )
        return wrap(rng, ["家住{}", "地址：{}", "住在{}", "{}"], value)
    if kind == "medical":
        return wrap(
            rng, ["他确诊了{}", "她患有{}", "听说他得了{}", "她被查出{}"], rng.choice(TERMS)
        )
    # whereabouts
    choice = rng.random()
    if choice < 0.4:
        value = f"{rng.choice(HOTELS)}{rng.randint(101, 2999)}房间"
        return wrap(rng, ["她昨晚入住了{}", "他住进了{}", "开房在{}"], value)
    if choice < 0.7:
        return wrap(rng, ["他现在在{}", "她此刻就在{}"], rng.choice(PLACES))
    value = rng.choice(["G", "D", "K"]) + str(rng.randint(1, 9999))
    return wrap(rng, ["他坐{}次高铁", "她乘坐{}列车"], value)


def near_miss(rng: random.Random) -> str:
    """A snippet that looks like an identifier but must not be reported."""
    good_id = gen_id(rng)
    good_card = gen_card(rng)
    order = next(
        body + c for body in ["20" + digits(rng, 16)] for c in string.digits if luhn_ok(body + c)
    )
    options: list[Callable[[], str]] = [
        lambda: (
            "身份证" + good_id[:-1] + str((int(good_id[-1]) + 1) % 10 if good_id[-1] != "X" else 1)
        ),
        lambda: "卡号" + good_card[:-1] + str((int(good_card[-1]) + 3) % 10),
        lambda: "订单号：" + order,
        lambda: "快递单号" + digits(rng, 12),
        lambda: "时间戳" + str(rng.randint(1_500_000_000, 1_750_000_000)),
        lambda: "编号20231015" + digits(rng, 6),
        lambda: rng.choice(["10", "11", "12"]) + digits(rng, 9),
        lambda: "流水" + digits(rng, 3) + good_id + digits(rng, 2),
        lambda: gen_uscc(rng)[:-1] + "Z",
        lambda: "抑郁症的科普知识",
        lambda: "G20峰会",
        lambda: "价格" + rng.choice(MOBILE) + digits(rng, 8) + ".50元",
    ]
    return rng.choice(options)()


def insert(
    rng: random.Random, text: str, snippet: str, taken: list[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """Insert ``snippet`` at a random position that splits neither an ASCII word nor an
    earlier inserted snippet (which would separate a cue from its value).

    ``taken`` lists the spans of earlier insertions, in insertion order; returns the new
    text and ``taken`` moved and extended by the new snippet's span (separators excluded).
    """
    pos = rng.randint(0, len(text))
    while 0 < pos < len(text) and (text[pos - 1].isascii() and text[pos - 1].isalnum()):
        pos -= 1
    for a, b in taken:
        if a < pos < b:
            pos = a
    sep = rng.choice(["", "，", " "])
    neighbours = text[pos - 1 : pos] + text[pos : pos + 1]
    if any(c.isascii() and c.isalnum() for c in neighbours):
        # Glued to a letter or digit the identifier would change; keep a real boundary.
        sep = "，"
    added = sep + snippet + sep
    moved = [(a + len(added), b + len(added)) if a >= pos else (a, b) for a, b in taken]
    moved.append((pos + len(sep), pos + len(sep) + len(snippet)))
    return text[:pos] + added + text[pos:], moved


def build(texts: list[str], n: int, seed: int) -> tuple[list[str], list[tuple[str, list[Span]]]]:
    """Sample ``n`` texts and insert identifiers (70 %) and near-misses (45 %).

    Returns the untouched sample too, for a throughput figure on ordinary text.
    """
    rng = random.Random(seed)
    data: list[tuple[str, list[Span]]] = []
    sample = rng.sample(texts, n)
    for text in sample:
        # Each identifier is stored relative to its snippet, which later insertions move.
        relative: list[tuple[int, int, int, str]] = []
        taken: list[tuple[int, int]] = []
        roll = rng.random()
        if roll < 0.7:
            for _ in range(rng.choice([1, 1, 2])):
                kind = rng.choice(KINDS)
                snippet, (a, b) = valid_sample(rng, kind)
                text, taken = insert(rng, text, snippet, taken)
                relative.append((len(taken) - 1, a, b, kind))
        if roll > 0.55:
            text, taken = insert(rng, text, near_miss(rng), taken)
        gold = [(taken[i][0] + a, taken[i][0] + b, kind) for i, a, b, kind in relative]
        data.append((text, gold))
    return sample, data


# --- Presidio ----------------------------------------------------------------------------


def presidio_engine():  # type: ignore[no-untyped-def]
    """An AnalyzerEngine with pattern recognizers equivalent to our rules, no NER model."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

    class BlankEngine(SpacyNlpEngine):
        """spaCy's blank English tokenizer (needs no download) with surface-form lemmas.

        The English tokenizer keeps a Chinese clause as one token, so Presidio's
        substring context matching sees the cue words next to a number.  Blank pipelines
        have empty lemmas, so we use the lower-cased token text instead.
        """

        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "zh", "model_name": "blank_en"}])

        def load(self) -> None:
            self.nlp = {"zh": spacy.blank("en")}

        def _doc_to_nlp_artifact(self, doc, language):  # type: ignore[no-untyped-def]
            return NlpArtifacts(
                entities=[],
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.text.lower() for t in doc],
                nlp_engine=self,
                language=language,
                scores=[],
            )

    def compact(s: str) -> str:
        return s.replace(" ", "").replace("-", "").replace("+", "").upper()

    class Checked(PatternRecognizer):
        def __init__(self, check: Callable[[str], bool], **kw):  # type: ignore[no-untyped-def]
            super().__init__(supported_language="zh", **kw)
            self._check = check

        def validate_result(self, pattern_text: str) -> bool:
            return self._check(compact(pattern_text))

    ctx = {
        "id_card": ["身份证", "证件", "身份證"],
        "phone": ["电话", "手机", "联系", "電話", "tel", "phone"],
        "bank_card": ["银行", "卡号", "账号", "开户", "转账", "銀行"],
        "uscc": ["信用代码", "营业执照", "税号"],
        "passport": ["护照", "passport"],
        "permit": ["通行证", "回乡证", "台胞证"],
        "plate": ["车牌", "牌照", "的车"],
        "qq": ["qq", "扣扣", "企鹅"],
        "wechat": ["微信", "vx", "wx", "加v"],
        "medical": ["他", "她", "患有", "确诊", "得了", "查出"],
        "whereabouts": ["高铁", "动车", "列车", "航班", "乘坐", "坐"],
    }
    nd, na = r"(?<![0-9])", r"(?![0-9])"
    specs: list[tuple[str, str, float, Callable[[str], bool] | None]] = [
        (
            "id_card",
            nd + r"[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx]" + na,
            0.8,
            lambda s: valid_id_number(s, TODAY) is not None,
        ),
        ("phone", nd + r"(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + na, 0.6, None),
        ("phone", nd + r"0[1-9][0-9]{1,2}-[1-9][0-9]{6,7}" + na, 0.6, None),
        (
            "bank_card",
            nd + r"[3-6][0-9]{3}(?:[ -]?[0-9]{4}){3}(?:[ -]?[0-9]{1,3})?" + na,
            0.5,
            luhn_ok,
        ),
        (
            "uscc",
            r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])",
            0.6,
            valid_uscc,
        ),
        ("email", r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}", 0.9, None),
        (
            "passport",
            r"(?<![0-9A-Z])(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8})(?![0-9A-Z])",
            0.6,
            None,
        ),
        (
            "permit",
            r"(?<![0-9A-Z])(?:[CWL][0-9]{8}|[HM][0-9]{8}(?:[0-9]{2})?)(?![0-9A-Z])",
            0.55,
            None,
        ),
        ("plate", "[" + PLATE_PROV + r"][A-HJ-NP-Z][·]?[A-HJ-NP-Z0-9]{5,6}(?![0-9A-Z])", 0.8, None),
        ("qq", nd + r"[1-9][0-9]{4,10}" + na, 0.2, None),
        ("wechat", r"(?<![A-Za-z0-9_-])[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9])", 0.2, None),
        (
            "address",
            r"(?:[\u4e00-\u9fa5]{1,8}?(?:省|市|区|县|镇|路|街|大道|小区|花园|新村|家园|公寓|苑)){1,5}"
            r"(?:[0-9]{1,5}(?:号|栋|幢|单元|室|楼)){1,4}[0-9]{0,5}",
            0.6,
            None,
        ),
        (
            "medical",
            "|".join([*TERMS, "艾滋", "肺癌", "肝癌", "肿瘤", "精神病", "双相"]),
            0.2,
            None,
        ),
        (
            "whereabouts",
            r"(?:[\u4e00-\u9fa5]{2,8}?(?:酒店|宾馆|旅馆))(?:[0-9]{3,5}(?:房间|房|室))?",
            0.6,
            None,
        ),
        ("whereabouts", r"(?<![A-Z0-9])[GDCZTKYL][0-9]{1,4}(?![0-9])", 0.2, None),
        ("whereabouts", r"(?<=现在在|此刻就在|此刻在|现在就在)[\u4e00-\u9fa5]{2,10}", 0.6, None),
    ]
    registry = RecognizerRegistry(supported_languages=["zh"])
    for i, (kind, regex, score, check) in enumerate(specs):
        kw = {
            "supported_entity": kind.upper(),
            "patterns": [Pattern(f"{kind}_{i}", regex, score)],
            "context": ctx.get(kind),
            "name": f"{kind}_{i}",
        }
        if check is None:
            registry.add_recognizer(PatternRecognizer(supported_language="zh", **kw))
        else:
            registry.add_recognizer(Checked(check, **kw))
    nlp = BlankEngine()
    nlp.load()
    return AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=["zh"])


# --- evaluation --------------------------------------------------------------------------


def score(gold: list[list[Span]], pred: list[list[Span]]) -> dict[str, dict[str, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g_list, p_list in zip(gold, pred, strict=True):
        unmatched = list(g_list)
        for a, b, kind in p_list:
            hit = next((g for g in unmatched if g[2] == kind and a < g[1] and g[0] < b), None)
            if hit is None:
                fp[kind] += 1
            else:
                unmatched.remove(hit)
                tp[kind] += 1
        for _, _, kind in unmatched:
            fn[kind] += 1
    table: dict[str, dict[str, float]] = {}
    for kind in [*KINDS, "overall"]:
        t = tp.total() if kind == "overall" else tp[kind]
        f_p = fp.total() if kind == "overall" else fp[kind]
        f_n = fn.total() if kind == "overall" else fn[kind]
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        table[kind] = {"precision": p, "recall": r, "f1": f1, "support": t + f_n}
    return table


Batch = Callable[[list[str]], list[list[Span]]]


def timed(sides: list[Batch], texts: list[str]) -> tuple[list[list[list[Span]]], list[float]]:
    """Run each detector over the same chunks of texts, alternating chunk by chunk, and
    return predictions and texts per CPU-second for each.

    Each detector gets a whole chunk of 500 texts (ours through ``scan_many``, Presidio
    text by text).  CPU time (``time.process_time``) rather than wall time: the bench
    machine is shared, and time spent waiting for a core says nothing about either.
    """
    preds: list[list[list[Span]]] = [[] for _ in sides]
    spent = [0.0 for _ in sides]
    for lo in range(0, len(texts), 500):
        chunk = texts[lo : lo + 500]
        for side, fn in enumerate(sides):
            start = time.process_time()
            out = fn(chunk)
            spent[side] += time.process_time() - start
            preds[side].extend(out)
    return preds, [len(texts) / s for s in spent]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20251015)
    parser.add_argument("--json", type=Path, default=None, help="also write results to this file")
    args = parser.parse_args()
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    clean, data = build(load_texts(), args.texts, args.seed)
    texts = [t for t, _ in data]
    gold = [g for _, g in data]

    def spans(findings: list[Finding]) -> list[Span]:
        return [(f.start, f.end, f.kind) for f in findings if f.confidence >= THRESHOLD]

    def ours(chunk: list[str]) -> list[list[Span]]:
        return [spans(found) for found in scan_many(chunk, today=TODAY)]

    def ours_single(chunk: list[str]) -> list[list[Span]]:
        return [spans(scan(text, today=TODAY)) for text in chunk]

    engine = presidio_engine()

    def theirs(chunk: list[str]) -> list[list[Span]]:
        out = []
        for text in chunk:
            found = engine.analyze(text, language="zh", score_threshold=THRESHOLD)
            out.append([(r.start, r.end, r.entity_type.lower()) for r in found])
        return out

    # Floors, timed alongside the rest: our trigger pass alone (the first step of every scan,
    # before any detector), and a bare pass collecting the digit runs of each text, the least
    # any number detector must do.
    digit_runs = re.compile(r"\d+")

    def trigger_only(chunk: list[str]) -> list[list[Span]]:
        families_many(chunk)
        return []

    def digits_only(chunk: list[str]) -> list[list[Span]]:
        for text in chunk:
            digit_runs.findall(text)
        return []

    ours(["预热"])
    ours_single(["预热"])
    theirs(["预热"])
    (our_pred, their_pred, single_pred, _, _), speeds = timed(
        [ours, theirs, ours_single, trigger_only, digits_only], texts
    )
    our_speed, their_speed, our_single, trigger_speed, digits_speed = speeds
    assert single_pred == our_pred, "scan_many and scan disagree"
    _, (our_clean, their_clean, our_single_clean) = timed([ours, theirs, ours_single], clean)
    our_scores, their_scores = score(gold, our_pred), score(gold, their_pred)

    print(f"{len(texts)} texts, {sum(map(len, gold))} inserted identifiers, seed {args.seed}")
    print(f"{'kind':<12} {'n':>4}  {'ours P/R/F1':>20}  {'presidio P/R/F1':>20}")
    for kind in [*KINDS, "overall"]:
        o, p = our_scores[kind], their_scores[kind]
        print(
            f"{kind:<12} {int(o['support']):>4}  "
            f"{o['precision']:.3f}/{o['recall']:.3f}/{o['f1']:.3f}  "
            f"{p['precision']:.3f}/{p['recall']:.3f}/{p['f1']:.3f}"
        )
    ratio = our_speed / their_speed
    clean_ratio = our_clean / their_clean
    single_ratio = our_single / their_speed
    single_clean_ratio = our_single_clean / their_clean
    f1_diff = our_scores["overall"]["f1"] - their_scores["overall"]["f1"]
    print(
        f"speed, texts with inserted data (texts per CPU-second): ours {our_speed:,.0f}, "
        f"presidio {their_speed:,.0f}, ratio {ratio:.0f}x"
    )
    print(
        f"speed, the same texts untouched (texts per CPU-second): ours {our_clean:,.0f}, "
        f"presidio {their_clean:,.0f}, ratio {clean_ratio:.0f}x"
    )
    print(
        f"scan() one text at a time (texts per CPU-second): with inserted data {our_single:,.0f} "
        f"({single_ratio:.0f}x), untouched {our_single_clean:,.0f} ({single_clean_ratio:.0f}x)"
    )
    print(
        f"floors, texts with inserted data: trigger pass alone {trigger_speed:,.0f} "
        f"({trigger_speed / their_speed:.0f}x presidio), bare digit-run pass {digits_speed:,.0f} "
        f"({digits_speed / their_speed:.0f}x presidio)"
    )
    print(
        f"overall F1: ours {our_scores['overall']['f1']:.3f}, presidio "
        f"{their_scores['overall']['f1']:.3f}, difference {f1_diff:+.3f}"
    )
    result = {
        "texts": len(texts),
        "seed": args.seed,
        "threshold": THRESHOLD,
        "ours": {"texts_per_second": our_speed, "scores": our_scores},
        "presidio": {"texts_per_second": their_speed, "scores": their_scores},
        "speed_ratio": ratio,
        "untouched_texts_per_second": {"ours": our_clean, "presidio": their_clean},
        "untouched_speed_ratio": clean_ratio,
        "single_text_scan": {
            "texts_per_second": our_single,
            "untouched_texts_per_second": our_single_clean,
            "speed_ratio": single_ratio,
            "untouched_speed_ratio": single_clean_ratio,
        },
        "floors_texts_per_second": {"trigger_pass": trigger_speed, "digit_runs": digits_speed},
        "f1_difference": f1_diff,
        "median_text_length": statistics.median(map(len, texts)),
    }
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
