"""The lobby poster: a URL with a site check-in code signed for one day only."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import segno


def daily_code(*, secret: str, site: str, day: str) -> str:
    """HMAC-SHA256 of site and day under the server secret, 16 base32 characters."""
    mac = hmac.new(secret.encode(), f"officegate-checkin:{site}:{day}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:10]).decode()


def poster_url(*, base_url: str, secret: str, site: str, day: str) -> str:
    """What the poster's QR holds: ``<base>/c/<site>?d=<day>&k=<code>``."""
    query = urlencode({"d": day, "k": daily_code(secret=secret, site=site, day=day)})
    return f"{base_url.rstrip('/')}/c/{site}?{query}"


def code_is_valid(*, secret: str, site: str, day: str, today: str, code: str) -> str | None:
    """None when ``code`` is today's; else why not ("old_poster" or "bad_poster")."""
    if not hmac.compare_digest(daily_code(secret=secret, site=site, day=day), code[:32]):
        return "bad_poster"
    return None if day == today else "old_poster"


def qr_svg(url: str) -> str:
    """The poster QR as inline SVG (scales to any print size)."""
    qr = segno.make_qr(url, error="q")
    return qr.svg_inline(scale=12, border=2, dark="#000", light="#fff")
