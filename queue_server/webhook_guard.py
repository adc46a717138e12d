"""Where a webhook may be delivered: to the internet, not into the network the
server sits in, unless the operator allows it (`QUEUE_WEBHOOK_PRIVATE=1`).

A hall's admin chooses a receiver's URL and the server POSTs to it: without
this rule an admin (or a stolen admin token) could make the server send
requests to the database's machine, a router's page or a cloud's metadata
service (169.254.169.254), which only the server can reach. So a receiver
whose address is loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
link-local, shared (100.64/10), multicast, reserved or unspecified is
refused when the subscription is made, and again before each delivery (a
name may point elsewhere by then). So is a name under `localhost` (RFC 6761:
always loopback, whether or not this machine's resolver answers for it, e.g.
"localhost."), and an IPv6 address that carries an IPv4 one inside it: the
NAT64 prefix 64:ff9b::/96, 6to4 (2002::/16), SIIT's ::ffff:0:a.b.c.d and
the old IPv4-compatible ::a.b.c.d are judged by the IPv4 address they carry. A city whose receivers
are on its own network sets `QUEUE_WEBHOOK_PRIVATE=1`.

What is left: a name that changes its address between the check and the
connection (DNS rebinding) within one delivery; a proxy or firewall rule
for the server's outbound traffic closes that too.
"""

import ipaddress
import socket
import unicodedata

from .errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # ::a.b.c.d (and :: and ::1)
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT's ::ffff:0:a.b.c.d


def inside_address(host: str) -> str | None:
    """The first address of `host` (an IP or a name) that is not on the public
    internet; None when all are. A name that does not resolve is None: its
    delivery fails and is retried like any unreachable receiver."""
    name = _plain(host)
    if name == "localhost" or name.endswith(".localhost"):
        return host
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(name)]  # "127.0.0.1." too
    except ValueError:
        try:
            found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        if not _public(address):
            return str(address)
    return None


def _plain(host: str) -> str:
    """`host` as a resolver and httpx read it: NFKC (ｌｏｃａｌｈｏｓｔ), the dots
    IDNA takes for dots (。．｡), lower case, no brackets, no final dot."""
    name = unicodedata.normalize("NFKC", host).translate(_DOTS)
    return name.strip("[]").rstrip(".").lower()


def _public(address: IPAddress) -> bool:
    """On the public internet, judged by the IPv4 address an IPv6 one carries."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return _public(address.ipv4_mapped)
        if address.sixtofour:
            return _public(address.sixtofour)
        if any(address in net for net in (_NAT64, _COMPATIBLE, _TRANSLATED)):
            return _public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


def check_receiver(host: str, allow_inside: bool) -> None:
    """InvalidInput when `host` is inside the network and that is not allowed."""
    if allow_inside:
        return
    if (inside := inside_address(host)) is not None:
        raise InvalidInput(
            f"接收地址指向内网或本机（{inside}）：为防止借推送访问内网，默认不允许。"
            "如确需推送到内网系统，请运维人员设置 QUEUE_WEBHOOK_PRIVATE=1",
            en=f"the receiver is inside the network ({inside}); "
            "the operator may allow that with QUEUE_WEBHOOK_PRIVATE=1",
            code="webhook_private",
        )
