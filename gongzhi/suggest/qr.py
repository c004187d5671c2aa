"""The printable QR code of a community's suggestion box: the box page's address with
`?community=<code>`, as an SVG or PNG for staff to print and post (segno, no network)."""
from __future__ import annotations

import io
from urllib.parse import urlencode

import segno

from gongzhi import config

SETTING = "GONGZHI_PUBLIC_URL"   # the portal's address as residents reach it
DEFAULT_URL = "http://localhost:8501"


def base_url() -> str:
    """The portal's public address (setting GONGZHI_PUBLIC_URL), for the printed codes."""
    return config.setting(SETTING) or DEFAULT_URL


def box_url(base_url: str, community_code: str) -> str:
    """The address a resident opens: the public box page of `community_code`."""
    return f"{base_url.rstrip('/')}/box?{urlencode({'community': community_code})}"


def png(url: str, scale: int = 8) -> bytes:
    """`url` as a QR code PNG (error correction M, a quiet zone for printing)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
