"""URL canonicalisation: one spelling per reported target.

`canonical_url` maps the many ways a shared link is written (mobile hosts, tracking
parameters, fragments, default ports, Unicode hosts, different percent-encodings) to one string,
so that reports about the same page can be grouped. `target_key` extends this to targets named
by platform and account instead of by URL. The rules and tables are listed in
``docs/analysis-dedup.md``; every step is idempotent, so canonical(canonical(u)) == canonical(u).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "HOST_ALIASES",
    "MOBILE_PREFIXES",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonical_url",
    "target_key",
]

MAX_URL_LENGTH = 8192

# Hosts whose mobile or short form serves the same content as a desktop host that is not
# obtained by dropping a prefix. Values must be fixed points of the host rules.
HOST_ALIASES: dict[str, str] = {
    "m.weibo.cn": "weibo.com",
    "weibo.cn": "weibo.com",
    "m.weibo.com": "weibo.com",
    "weibo.com.cn": "weibo.com",
    "h5.weibo.cn": "weibo.com",
    "m.toutiao.com": "toutiao.com",
    "m.bilibili.com": "bilibili.com",
    "m.douyin.com": "douyin.com",
    "iesdouyin.com": "douyin.com",
    "m.zhihu.com": "zhihu.com",
    "m.tieba.baidu.com": "tieba.baidu.com",
    "m.thepaper.cn": "thepaper.cn",
    "mobile.twitter.com": "twitter.com",
    "x.com": "twitter.com",
}

# A first label from this set is dropped when at least two labels remain: m.example.com and
# www.example.com are served as example.com.
MOBILE_PREFIXES = frozenset({"www", "m", "wap", "mobile", "3g", "touch", "h5"})

# Query parameters that identify the sharer, the app or the campaign, never the content.
TRACKING_PARAMS = frozenset(
    {
        # general analytics
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "si",
        # Chinese platforms and WeChat share links
        "spm", "spm_id_from", "from_spmid", "scm", "from", "wfr", "isappinstalled",
        "vd_source", "scene", "subscene", "ascene", "clicktime", "enterid", "sharer_sharetime",
        "sharer_shareid", "srcid", "chksm", "pass_ticket", "exportkey", "devicetype",
        "nettype", "abtest_cookie", "wm", "luicode", "lfid", "featurecode", "jumpfrom",
        "sourcetype", "u_code", "did", "iid", "with_sec_did", "timestamp", "unique_k", "bbid",
        "ts", "tt_from", "utm_psn", "ali_trackid", "ali_refid", "pvid", "ut_sk", "sp_tk",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "share_", "sharer_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_PERCENT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
_VALUE_SAFE = frozenset((_PATH_SAFE | set("?")) - set("&"))
_NAME_SAFE = frozenset(_VALUE_SAFE - set("="))
_FRAGMENT_SAFE = frozenset(_PATH_SAFE | set("?"))
_DOTS = str.maketrans({"。": ".", "．": ".", "｡": "."})


def canonical_url(url: str) -> str:
    """The canonical spelling of an http(s) URL.

    Lower-cases scheme and host, converts Unicode hosts to IDNA (punycode), maps mobile and
    ``www.`` hosts to the desktop host, drops default ports, user names and passwords, tracking
    parameters and fragments (except ``#!`` and ``#/`` app routes, which name content), sorts
    the remaining query parameters, normalises percent-encoding and dot segments, and removes
    trailing slashes. A URL without a scheme is taken as https.

    Raises ValueError, saying what is wrong, for anything that is not a usable http(s) URL.
    """
    parts = _split(url)
    host = _canonical_host(parts)
    netloc = host + _port_suffix(parts)
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    fragment = _canonical_fragment(parts.fragment)
    out = f"{parts.scheme.lower()}://{netloc}{path}"
    if query:
        out += "?" + query
    if fragment:
        out += "#" + fragment
    return out


def target_key(
    url: str | None = None, *, platform: str | None = None, account_id: str | None = None
) -> str:
    """A stable key for "the same target": ``url:<canonical URL>`` or
    ``account:<platform>:<account id>``.

    The URL wins when both are given, being the more specific. The scheme is folded to https,
    since a page reached over http and https is the same target. Platform names are
    lower-cased; account ids lose surrounding whitespace and a leading ``@`` but keep their
    case (some platforms' ids are case-sensitive). Raises ValueError if there is nothing to key.
    """
    if url is not None and url.strip():
        canonical = canonical_url(url)
        return "url:" + ("https" + canonical[4:] if canonical.startswith("http:") else canonical)
    if platform is None or account_id is None:
        raise ValueError("target_key needs a url, or both platform and account_id")
    name = unicodedata.normalize("NFKC", platform).strip().lower()
    account = unicodedata.normalize("NFKC", account_id).strip().removeprefix("@").strip()
    if not name or not account:
        raise ValueError("platform and account_id must not be blank")
    if ":" in name:
        raise ValueError("platform must not contain ':'")
    return f"account:{name}:{account}"


def _split(url: str) -> SplitResult:
    """Parse, insisting on an http(s) URL with a host."""
    if not isinstance(url, str):
        raise ValueError(f"URL must be a string, not {type(url).__name__}")
    url = url.strip()
    if not url:
        raise ValueError("URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"URL longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_RE.search(url):
        raise ValueError("URL contains control characters")
    url = _add_scheme(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"URL cannot be parsed: {exc}") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ValueError(f"unsupported URL scheme {parts.scheme!r}: only http and https")
    if not parts.hostname:
        raise ValueError("URL has no host")
    return parts


def _add_scheme(url: str) -> str:
    """Assume https for scheme-less input such as ``weibo.com/u/1`` or ``//weibo.com``."""
    if url.startswith("//"):
        return "https:" + url
    match = _SCHEME_RE.match(url)
    if match is None or "://" in url[: match.end() + 2]:
        return url if match else "https://" + url
    if match.group(1).lower() in _DEFAULT_PORTS:
        return url  # "https:example.com": parsed as host-less and rejected with that message
    rest = url[match.end() :]
    if rest[:1].isdigit():  # "example.com:8080/path" is a host and port, not a scheme
        return "https://" + url
    raise ValueError(f"unsupported URL scheme {match.group(1)!r}: only http and https")


def _canonical_host(parts: SplitResult) -> str:
    raw = parts.hostname or ""
    if ":" in raw:  # only IPv6 literals contain colons after urlsplit
        try:
            return f"[{ipaddress.IPv6Address(raw.split('%')[0]).compressed}]"
        except ValueError as exc:
            raise ValueError(f"invalid IPv6 address {raw!r}") from exc
    host = unicodedata.normalize("NFKC", raw).translate(_DOTS).lower().rstrip(".")
    labels = ".".join(_ascii_label(label) for label in host.split("."))
    if len(labels) > 253:
        raise ValueError("URL host name longer than 253 characters")
    return _desktop_host(labels)


def _ascii_label(label: str) -> str:
    """One host label in lower-case ASCII (punycode for Unicode labels)."""
    if not label:
        raise ValueError("URL host has an empty label")
    if not label.isascii():
        try:
            label = label.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise ValueError(f"host label {label!r} is not a valid IDNA name") from exc
    elif label.startswith("xn--"):
        try:
            label.encode("ascii").decode("idna")
        except UnicodeError as exc:
            raise ValueError(f"host label {label!r} is not valid punycode") from exc
    if not _LABEL_RE.match(label):
        raise ValueError(f"host label {label!r} has characters not allowed in a host name")
    return label


def _desktop_host(host: str) -> str:
    """Apply the alias table and drop mobile prefixes until nothing changes."""
    while True:
        if host in HOST_ALIASES:
            host = HOST_ALIASES[host]
            continue
        first, _, rest = host.partition(".")
        if first in MOBILE_PREFIXES and rest.count(".") >= 1:
            host = rest
            continue
        return host


def _port_suffix(parts: SplitResult) -> str:
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid port in URL: {exc}") from exc
    if port is None or port == _DEFAULT_PORTS[parts.scheme.lower()]:
        return ""
    return f":{port}"


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the hex of the others, and escape
    every character outside `safe` (non-ASCII as UTF-8 bytes)."""
    text = _PERCENT_RE.sub(_fix_escape, text)
    out = []
    for i, char in enumerate(text):
        if char in safe or (char == "%" and _PERCENT_RE.match(text, i)):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _canonical_path(path: str) -> str:
    path = _normalise_escapes(path, _PATH_SAFE)
    segments: list[str] = []
    for segment in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    return ("/" + "/".join(segments)).rstrip("/")


def _is_tracking(name: str) -> bool:
    name = _PERCENT_RE.sub(lambda m: chr(int(m.group(1), 16)), name).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, eq, value = item.partition("=")
        if _is_tracking(name):
            continue
        name = _normalise_escapes(name, _NAME_SAFE)
        pairs.append(name + eq + _normalise_escapes(value, _VALUE_SAFE))
    return "&".join(sorted(pairs))


def _canonical_fragment(fragment: str) -> str:
    # "#!/..." and "#/..." are single-page-app routes naming the content; others are anchors.
    if fragment.startswith(("!", "/")):
        return _normalise_escapes(fragment, _FRAGMENT_SAFE)
    return ""
