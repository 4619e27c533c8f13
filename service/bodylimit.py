"""Request bodies over the limit are a 413 in the one error shape, whether the client declared
the length or streams the body: counted as received, never trusted from ``Content-Length``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large(limit: int) -> HTTPException:
    # an HTTPException, so FastAPI's body parsing lets it through to the error renderer
    return HTTPException(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            declared_too_large = True
        else:
            declared_too_large = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared_too_large:
                raise _too_large(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)
