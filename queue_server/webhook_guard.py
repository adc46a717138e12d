"""Where a webhook may be delivered: to the internet, not into the network the
server sits in, unless the operator allows it (`QUEUE_WEBHOOK_PRIVATE=1`).

A hall's admin chooses a receiver's URL and the server POSTs to it: without
this rule an admin (or a stolen admin token) could make the server send
requests to the database's machine, a router's page or a cloud's metadata
service (169.254.169.254), which only the server can reach. So a receiver
whose address is loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
link-local, shared (100.64/10), multicast, reserved or unspecified is
refused when the subscription is made, and again before each delivery (a
name may point elsewhere by then). A city whose receivers are on its own
network sets `QUEUE_WEBHOOK_PRIVATE=1`.

What is left: a name that changes its address between the check and the
connection (DNS rebinding) within one delivery; a proxy or firewall rule
for the server's outbound traffic closes that too.
"""

import ipaddress
import socket

from .errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def inside_address(host: str) -> str | None:
    """The first address of `host` (an IP or a name) that is not on the public
    internet; None when all are. A name that does not resolve is None: its
    delivery fails and is retried like any unreachable receiver."""
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


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
