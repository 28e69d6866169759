"""The client's address, for rate limits, the lockout context (django-axes) and the audit log.

REMOTE_ADDR is the peer that opened the connection. Behind the shipped nginx that peer is the
proxy for every request, so X-Forwarded-For is read — but only when the peer is one of
`settings.TRUSTED_PROXIES`: from anyone else the header is the client's own claim and is
ignored. Through a trusted proxy the chain is walked from the right (each proxy appends the
address it saw) past the trusted hops, and the first untrusted address is the client; anything
left of it was written by the client and is never believed (the "rightmost untrusted
address" of MDN's X-Forwarded-For page; nginx's realip module with real_ip_recursive does the same).

Why not django-ipware: its trusted-proxy list is matched, position by position, against the
trailing entries of the X-Forwarded-For chain, never against the peer; with the compose nginx
(one hop, whose address is REMOTE_ADDR and not in the header) it finds no client at all, and
without the list it believes the leftmost entry from anyone.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str | None) -> Address | None:
    try:
        ip = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket reads ::ffff:a.b.c.d; one spelling for one client.
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def _trusted(ip: Address, networks: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(request) -> str | None:
    """The client's address as a string, or None without a request or a peer address."""
    if request is None:
        return None
    peer = _parse(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    client = peer
    if not _trusted(peer, networks):
        return str(client)
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        ip = _parse(hop)
        if ip is None:
            break  # garbage left of the trusted hops: keep the last address a proxy vouched for
        client = ip
        if not _trusted(ip, networks):
            break
    return str(client)
