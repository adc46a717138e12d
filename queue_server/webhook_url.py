"""A webhook receiver's URL, checked and put in the one form the HTTP client
(httpx, outbox_sender.py) reads.

The URL is stored with its host in ASCII (例子.中国 as xn--fsqu00a.xn--fiqs8s):
the inside-network guard (webhook_guard.py) resolves, and the delivery
connects to, one name. Written as typed, faß.de was fass.de to the
resolver's IDNA 2003 and xn--fa-hia.de to httpx's IDNA 2008, so the guard
judged one host and the delivery reached another; ☃.com and full-width
names were taken and every delivery then refused by httpx.

Not the pure core: the `idna` package does what the standard library's
IDNA 2003 codec cannot.
"""

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna

from .errors import InvalidInput

URL_MAX = 500
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")  # one part of a host name, as DNS takes it


def receiver_url(url: str) -> str:
    """`url` with its host in the one ASCII form the HTTP client connects to
    (`ascii_host`), port, path and query kept: stored so, the inside-network
    guard resolves the very name a delivery reaches. InvalidInput says what
    is wrong with a URL no request could go to."""
    url = url.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in url):  # CR LF: a header smuggled
        raise _refused(
            "接收地址不能包含空格、换行或控制字符", "url must hold no spaces nor control characters"
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed "[", a bracketed host that is no address
        raise _refused(
            "接收地址的主机名无效：方括号内须为 IPv6 地址", "the url's host is no IPv6 address"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(
            "接收地址须为 http:// 或 https:// 开头的完整网址",
            "url must be a full http:// or https:// address",
        )
    if parts.username or parts.password:
        raise _refused(
            "接收地址不能包含用户名或密码：请用签名验证来源",
            "url must not hold credentials: check the signature instead",
        )
    host = ascii_host(parts)
    if host is None:
        raise _refused(
            f"接收地址的主机名“{parts.hostname}”无效：须为域名或 IP 地址，"
            "中文等国际化域名须能按 IDNA 2008 转换为 ASCII 形式",
            f"the url's host {parts.hostname!r} is no name or address a request can go to",
        )
    port = _port(parts)
    netloc = (f"[{host}]" if ":" in host else host) + ("" if port is None else f":{port}")
    checked = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if len(checked) > URL_MAX:
        raise _refused(
            f"接收地址过长：最多 {URL_MAX} 个字符", f"url must be {URL_MAX} characters or less"
        )
    return checked


def host_of(url: str) -> str:
    """The host a subscription's URL names, in its ASCII form; a row kept from
    before URLs were stored so, and with no such form, gives it as written
    (its delivery fails: the client refuses it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return ascii_host(parts) or parts.hostname or ""


def ascii_host(parts: SplitResult) -> str | None:
    """The host of `parts` as httpx connects to it; None when it has no such
    form. httpx sends an ASCII name as written (lower case) but encodes any
    other with IDNA 2008 alone, which refuses full-width letters and other
    compatibility forms, so an international name is turned here by IDNA
    2008 with UTS #46 mapping, as browsers do (ＥＸＡＭＰＬＥ.com: example.com;
    Ⅸ.com: ix.com; faß.de: xn--fa-hia.de, where the resolver's IDNA 2003
    would read fass.de), and stored in ASCII, which httpx sends as it is. A
    name IDNA 2008 has no form for (☃.com) is None, as is "-" or "a..b"."""
    host = parts.hostname or ""
    if parts.netloc.rpartition("@")[2].startswith("["):
        try:
            ipaddress.IPv6Address(host)  # webhook_guard judges where it points
        except ValueError:  # "[v1.x]": a future address form no client reads
            return None
        return host
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if host.replace(".", "").isdigit():
        return host  # an address: webhook_guard judges where it points
    labels = host.rstrip(".").split(".")
    return host if len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels) else None


def _port(parts: SplitResult) -> int | None:
    """The URL's port; InvalidInput for one no receiver listens on (0, 99999, "x")."""
    try:
        port = parts.port
    except ValueError:  # past 65535, or no number
        port = 0
    if port == 0:  # reaches no receiver
        raise _refused(
            "接收地址的端口无效：须为 1 到 65535 之间的数字", "the url's port must be 1 to 65535"
        )
    return port


def _refused(message: str, en: str) -> InvalidInput:
    return InvalidInput(message, en=en, code="webhook_url")
