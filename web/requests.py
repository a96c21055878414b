"""What the app accepts from a request before any area sees it: no control characters in the address and no NUL in
its query, form text without NUL characters (PostgreSQL refuses them in text; no one types them), and form fields
that are UTF-8. Each of these is answered with a 400, never a 500."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from litestar.datastructures import FormMultiDict
from litestar.plugins.htmx import HTMXRequest
from litestar.types import ASGIApp, Receive, Scope, Send

from core.i18n import gettext as _
from web.errors import UserFacingError

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_NUL = re.compile(rb"\x00")


class Request(HTMXRequest):
    """The request class of the app (htmx's, with form data cleaned as the module says)."""

    async def form(self) -> FormMultiDict:
        if getattr(self, "_cleaned_form", None) is None:
            try:
                form = await super().form()
            except UnicodeDecodeError:
                raise UserFacingError(400, _("The form could not be read. Reload the page and try again.")) from None
            self._cleaned_form = FormMultiDict(
                [
                    (name, value.replace("\x00", "") if isinstance(value, str) else value)
                    for name, value in form.multi_items()
                    if "\x00" not in name
                ]
            )
        return self._cleaned_form


class RefuseControlCharacters:
    """ASGI middleware: an address with a control character (a NUL, a line break) is no address of ours, nor is a
    query with a NUL (a tab pasted into the search box is let through: the search ignores it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            _CONTROL.search(scope["path"].encode("utf-8", "surrogateescape"))
            or _NUL.search(unquote_to_bytes(scope.get("query_string", b"")))
        ):
            raise UserFacingError(400, _("The address is not valid."))
        await self.app(scope, receive, send)
