"""Who sent a request to the public pages, as the server saw it.

The address is the peer of the TCP connection the portal accepted, unless that peer is one of the
deployment's own reverse proxies (setting GONGZHI_TRUSTED_PROXIES: addresses or networks, comma
separated). Then X-Forwarded-For is read from the right, skipping trusted proxies: the first
address no trusted proxy vouches for is the client. Entries further left were written by the
client itself and are never believed. The database throttles public sign-ups by this address
(private.request_sender reads it from the setting `gongzhi.client_ip`)."""
from __future__ import annotations

import ipaddress

from gongzhi import config

SETTING = "GONGZHI_TRUSTED_PROXIES"


def trusted_proxies(value: str | None = None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The trusted proxy networks of the setting (or of `value`); unreadable entries are ignored."""
    text = config.setting(SETTING) if value is None else value
    networks = []
    for part in (text or "").split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            continue
    return networks


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None = None, trusted=None) -> str:
    """The client's address: `peer` unless it is a trusted proxy, then X-Forwarded-For from the
    right; 'unknown' when nothing readable is left."""
    trusted = trusted_proxies() if trusted is None else trusted
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    current = _address(peer)
    while current is not None and any(current in n for n in trusted) and hops:
        current = _address(hops.pop())
    return str(current) if current is not None else "unknown"
