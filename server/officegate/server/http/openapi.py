"""The OpenAPI document says what the server does: how to authenticate, and every error a
route can answer with, in the shape it has.

FastAPI documents a route's success and its 422; our error handlers add more. This fills
each operation in: the security schemes (bearer token, session cookie) on the operations
that need a user, and the error statuses with their bodies - ``{"detail": {"code",
"message_en", "message_ja"}}`` from the services and the guards, ``{"detail": [reasons]}``
for 422, ``{"detail": "text"}`` from the framework (405, for instance).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from officegate.server.deps import get_current_user, get_page_user

ERROR_BODY: dict[str, Any] = {
    "title": "Error", "type": "object", "required": ["detail"],
    "properties": {"detail": {"anyOf": [
        {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "message_en": {"type": "string"},
            "message_ja": {"type": "string"}}},
        {"type": "array", "items": {"type": "object"}},
        {"type": "string"}]}},
}
# What any route may answer besides its own: bad body (400), too large (413), too many
# failures (429), and the service errors every route can raise.
COMMON = {"400": "Malformed body or JSON nested too deep",
          "404": "No such thing (or an unknown pass link)",
          "409": "Clashes with what exists", "410": "Revoked or expired",
          "413": "Body too large", "422": "Invalid input, with the reasons",
          "429": "Too many failed attempts (see Retry-After)"}
SIGNED_IN = {"401": "Not signed in, or an unknown or expired token",
             "403": "This role may not do that"}
PASS_PAGE = {"403": "The pass is open on another phone"}
# What a service checks beyond the JSON types, said in the document (the service still
# answers a breach with its own reason): ``json_schema_extra`` of the fields they guard.
NAME_RULE: dict[str, Any] = {"pattern": r"^[a-z0-9][a-z0-9_-]{0,63}$"}  # sites.NAME
# No blanks and no control characters (the services' check is Python's isspace()).
EMAIL_RULE: dict[str, Any] = {
    "pattern": r"^[^@\s\x00-\x1f\x7f-\x9f]{1,64}@[^@\s\x00-\x1f\x7f-\x9f]{1,189}$"}
HHMM_RULE: dict[str, Any] = {"pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}
TEXT_RULE: dict[str, Any] = {"pattern": r"\S"}  # not only blanks
APPRISE_URL: dict[str, Any] = {
    "format": "apprise-url", "pattern": "://",
    "description": "A URL apprise understands (mailto://, slack://, ntfy://, json://, ...) "
                   "that does not point inside the network"}
TIME_ZONE: dict[str, Any] = {"format": "iana-time-zone",
                             "description": "An IANA time zone name, e.g. Asia/Tokyo"}
PUSH_SUBSCRIPTION: dict[str, Any] = {
    "type": "object", "required": ["endpoint", "keys"], "description": "PushSubscription JSON",
    "properties": {"endpoint": {"type": "string", "format": "push-endpoint", "maxLength": 2000,
                                "description": "The push service's public https URL"},
                   "keys": {"type": "object", "required": ["p256dh", "auth"], "properties": {
                       "p256dh": {"type": "string"}, "auth": {"type": "string"}}}}}
CALENDAR_BODY: dict[str, Any] = {  # the staff page also posts it as multipart field `file`
    "required": True, "description": "An iCalendar file (RFC 5545)",
    "content": {"text/calendar": {"schema": {"type": "string", "format": "icalendar",
                                             "pattern": "BEGIN:VCALENDAR"}}}}
# A datetime-local input (2000-2199; no leap day, to keep the rule a plain pattern).
_DAY = ("(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
        "|(?:0[13578]|1[02])-31)")
LOCAL_MOMENT: dict[str, Any] = {
    "pattern": f"^2[01][0-9][0-9]-{_DAY}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$",
    "description": "Site wall-clock time, YYYY-MM-DDTHH:MM[:SS]"}
DAY_RULE: dict[str, Any] = {"pattern": f"^2[01][0-9][0-9]-{_DAY}$",
                            "description": "A calendar day, YYYY-MM-DD"}
CURSOR: dict[str, Any] = {"pattern": "^[A-Za-z0-9_-]+={0,2}$",
                          "description": "The `next` of the previous page"}
CSV: dict[int | str, dict[str, Any]] = {200: {"description": "CSV (UTF-8)", "content": {
    "text/csv": {"schema": {"type": "string"}}}}}
SCHEMES = {"bearer": {"type": "http", "scheme": "bearer",
                      "description": "POST /api/auth/token"},
           "session": {"type": "apiKey", "in": "cookie", "name": "og_session",
                       "description": "the staff pages' sign-in"}}


def _needs_user(dependant: Dependant) -> bool:
    return any(d.call in (get_current_user, get_page_user) or _needs_user(d)
               for d in dependant.dependencies)


def _routes(app: FastAPI) -> list[Any]:
    # FastAPI 0.16x keeps included routers as branches; this yields the effective routes
    # (prefix and router dependencies applied). Older versions list them flat.
    flatten = getattr(routing, "_iter_included_route_candidates", None)
    return list(flatten(app.routes)) if flatten else list(app.routes)


def _document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_BODY
    doc["components"]["securitySchemes"] = SCHEMES
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for route in _routes(app):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        signed_in = _needs_user(route.dependant)
        extra = dict(COMMON)
        extra.update(SIGNED_IN if signed_in else {"401": "Wrong credentials or signature",
                                                  "403": "Refused (signature, phone, code)"})
        if "{token}" in route.path:
            extra.update(PASS_PAGE)
        for method in route.methods or ():
            operation = doc["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            if signed_in:
                operation["security"] = [{"bearer": []}, {"session": []}]
            responses = operation.setdefault("responses", {})
            for status, text in extra.items():
                responses.setdefault(status, {"description": text, "content": error})
            responses["422"] = {"description": COMMON["422"], "content": error}
    return doc


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the filled-in document (built once, then cached)."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
