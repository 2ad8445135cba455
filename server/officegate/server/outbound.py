"""Outbound URLs that users configure (notification targets, push endpoints, calendar feeds):
the one guard against server-side request forgery.

A URL is checked twice. When it is saved, :meth:`OutboundPolicy.check_url` refuses a scheme
we do not send to and a host that is, or resolves to, an address inside the network
(loopback, link-local including the 169.254.169.254 cloud metadata service, private,
shared, multicast, reserved). When it is fetched, everything runs inside
:meth:`OutboundPolicy.guarded`, which checks every address a name resolves to at the moment
the connection is made: a name that was public when saved and points inside now (DNS
rebinding), a redirect to an inside address, or an SMTP server behind ``mailto://`` are
refused as well. The guard sits on ``socket.getaddrinfo``, so it covers the libraries that
do the sending (httpx, requests under apprise and pywebpush, smtplib) without their help;
outside a ``guarded()`` block it only passes the call on.

An admin can allow inside addresses with ``OFFICEGATE_OUTBOUND_ALLOW`` (IP addresses,
networks and host names, comma separated), e.g. an intranet mail server or, in tests and
the demo, ``127.0.0.1``.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from officegate.server.errors import InvalidInput

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

HTTP_SCHEMES = frozenset({"http", "https"})
FEED_SCHEMES = frozenset({"http", "https", "webcal"})
# apprise schemes whose host part is the server we connect to: that host is checked.
APPRISE_HOST_SCHEMES = frozenset({
    "json", "jsons", "xml", "xmls", "form", "forms", "ntfy", "ntfys", "gotify", "gotifys",
    "mailto", "mailtos", "mmost", "mmosts", "rocket", "rockets", "matrix", "matrixs"})
# apprise schemes of a fixed internet service (the "host" part is a token): the connection
# is still checked when it is made.
APPRISE_SERVICE_SCHEMES = frozenset({
    "slack", "discord", "msteams", "workflows", "tgram", "line", "gchat", "pover", "pbul",
    "wxteams"})
APPRISE_SCHEMES = APPRISE_HOST_SCHEMES | APPRISE_SERVICE_SCHEMES


class OutboundRefused(OSError):
    """A connection the guard refused; an OSError, so senders treat it as a network error."""


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is inside the network ("loopback", "link-local", ...), None when public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, inside in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                         ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                         ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if inside:
            return kind
    return None if ip.is_global else "not public"


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """Which inside addresses an admin allows; everything public is allowed."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> OutboundPolicy:
        """From ``OFFICEGATE_OUTBOUND_ALLOW``: addresses, networks (CIDR) and host names.

        Raises ValueError naming an entry that is none of them.
        """
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in (text or "").replace(";", ",").replace(" ", ",").split(","):
            entry = entry.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not all(part.isalnum() or part.replace("-", "").isalnum()
                       for part in entry.rstrip(".").split(".")):
                raise ValueError(f"outbound allow entry {entry[:80]!r} is no address, "
                                 "network or host name")
            hosts.add(entry.rstrip("."))
        return cls(networks=tuple(networks), hosts=frozenset(hosts))

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to ``address`` (which ``host`` resolved to) is refused, or None."""
        if host.lower().rstrip(".") in self.hosts:
            return None
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address[:60]!r} is not an IP address"
        kind = address_kind(ip)
        if kind is None or any(ip in net for net in self.networks):
            return None
        metadata = " (cloud metadata service)" if kind == "link-local" else ""
        return f"{host[:80]} is a {kind} address{metadata} ({ip})"

    def check_url(self, url: str, *, schemes: frozenset[str], check_host: bool = True,
                  what: str = "URL") -> str:
        """``url`` (stripped) when its scheme is one of ``schemes`` and its host is not inside
        the network; InvalidInput (422) with the reason otherwise.

        A name that does not resolve now is accepted: the guard decides when it is used.
        ``check_host=False`` checks only the scheme (apprise services named by a token).
        """
        url = url.strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            raise _refused(f"the {what} is not a URL", f"{what} の形式が正しくありません") from None
        scheme = parts.scheme.lower()
        if scheme not in schemes:
            allowed = ", ".join(f"{s}://" for s in sorted(schemes))
            raise _refused(f"the {what} scheme {scheme[:20]!r}:// is not allowed; use {allowed}",
                           f"{what} のスキーム {scheme[:20]!r} は使えません（{allowed}）")
        if not check_host:
            return url
        if not host:
            raise _refused(f"the {what} has no host", f"{what} にホスト名がありません")
        for address in _resolve(host):
            reason = self.refusal(host, address)
            if reason is not None:
                raise _refused(f"the {what} points inside the network: {reason}; an admin can "
                               "allow it with OFFICEGATE_OUTBOUND_ALLOW",
                               f"{what} が内部ネットワークを指しています: {reason}。"
                               "管理者は OFFICEGATE_OUTBOUND_ALLOW で許可できます")
        return url

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Within this block, connections of this thread (and its context) to inside
        addresses fail with :class:`OutboundRefused`, checked as each name is resolved."""
        _install()
        token = _ACTIVE.set(self)
        try:
            yield
        finally:
            _ACTIVE.reset(token)


def _refused(en: str, ja: str) -> InvalidInput:
    return InvalidInput("outbound_url_refused", en, ja)


def _resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to now (an IP literal is itself); [] when unknown."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = _original_getaddrinfo(host, None, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


# -- the connection-time guard --------------------------------------------------------------
_ACTIVE: contextvars.ContextVar[OutboundPolicy | None] = contextvars.ContextVar(
    "officegate_outbound_policy", default=None)
_original_getaddrinfo = socket.getaddrinfo
_install_lock = threading.Lock()


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    infos = _original_getaddrinfo(host, port, *args, **kwargs)
    policy = _ACTIVE.get()
    if policy is None or host is None:
        return infos
    name = host.decode() if isinstance(host, bytes) else str(host)
    for info in infos:
        reason = policy.refusal(name, str(info[4][0]))
        if reason is not None:
            log.warning("outbound connection refused: %s", reason)
            raise OutboundRefused(f"outbound connection refused: {reason}")
    return infos


def _install() -> None:
    """Put the guard in front of ``socket.getaddrinfo`` once per process."""
    with _install_lock:
        if socket.getaddrinfo is not _guarded_getaddrinfo:
            socket.getaddrinfo = _guarded_getaddrinfo


__all__ = ["APPRISE_HOST_SCHEMES", "APPRISE_SCHEMES", "FEED_SCHEMES", "HTTP_SCHEMES",
           "OutboundPolicy", "OutboundRefused", "address_kind"]
