"""What keeps a shared lab server safe: a token for anything but localhost, a body-size limit.

The token may come as ``Authorization: Bearer T``, an ``X-GFA-Token`` header, the ``gfa_token``
cookie, or once as ``?token=T`` in a page URL (the reply sets the cookie, so a browser opened
with the link keeps working). Comparison is constant-time.
"""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
COOKIE = "gfa_token"


class BindError(ValueError):
    """A host/token combination the server refuses to start with (one-line message)."""


def check_bind(host: str, token: str) -> None:
    """Refuse to listen beyond this machine without a token."""
    if host not in LOCAL_HOSTS and not token:
        raise BindError(f"binding {host} (not localhost) needs --token or GFA_TOKEN: every "
                        "request must then carry it")


async def _reply(send: Send, status: int, detail: str, headers: list | None = None) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _presented(scope: Scope) -> tuple[str, bool]:
    """The token a request carries, and whether it came in the query string."""
    from http.cookies import SimpleCookie
    from urllib.parse import parse_qs

    headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    if "x-gfa-token" in headers:
        return headers["x-gfa-token"].strip(), False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    if query:
        return query[0], True
    cookie = SimpleCookie(headers.get("cookie", ""))
    return (cookie[COOKIE].value if COOKIE in cookie else ""), False


class TokenGuard:
    """Every HTTP request must present ``token`` (401 with the reason otherwise)."""

    def __init__(self, app: ASGIApp, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, in_query = _presented(scope)
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            await _reply(send, 401, "this server needs its access token (Authorization: Bearer "
                         "TOKEN, or open a page once with ?token=TOKEN)")
            return
        if not in_query:
            await self.app(scope, receive, send)
            return

        async def set_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                message["headers"] = [*message.get("headers", []),
                                      (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, set_cookie)


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes the limit."""


class BodyLimit:
    """Requests larger than ``limit`` bytes get 413 before (or while) they are read."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    def message(self) -> str:
        return (f"upload larger than the server's limit of {self.limit / 1e6:g} MB "
                "(web.max_upload_bytes): send fewer or smaller files per request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await _reply(send, 413, self.message())
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, self.message())
