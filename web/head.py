"""HEAD answered as GET is, without the body. Litestar answers HEAD on a GET route with 405 (litestar-org/litestar
issue #4277), and uptime monitors and link checkers use HEAD. Litestar picks a route's handler by method before any
middleware runs, so this wraps the app's handler outside its routing."""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request runs as GET; its status and headers (with the GET's Content-Length, or none)
    go out, its body does not. The server still sees HEAD (the scope is copied), so it adds no body framing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                await send(message)
            elif kind.startswith("http.response.") and not message.get("more_body", False):
                # The last part of the body (or a file the server was asked to send): the response ends here, empty.
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def answer_head_as_get(app: Litestar) -> Litestar:
    app.asgi_handler = HeadAsGet(app.asgi_handler)
    return app
