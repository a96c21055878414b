"""One place turns exceptions into Swedish error pages (or fragments for htmx) with the right status."""

from __future__ import annotations

import logging
import secrets

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from core.errors import DomainError, TooMany, Unavailable
from core.i18n import gettext as _
from db.engine import is_unavailable
from web.auth import LoginRequired, login_url
from web.htmx import wants_fragment
from web.templating import render_fragment

log = logging.getLogger("eplatform.errors")
# How long a client is asked to wait while the database is out of reach.
RETRY_AFTER_SECONDS = 30


class UserFacingError(HTTPException):
    """An error whose Swedish explanation the user should read (shown under the error page's heading)."""

    def __init__(self, status_code: int, user_message: str) -> None:
        super().__init__(status_code=status_code, detail=user_message)
        self.user_message = user_message


def _render(request: Request, status_code: int, error_ref: str | None = None, detail: str | None = None) -> Response:
    """Render now, not after the handler returns, so a failing error page can still fall back to plain text."""
    context = {"status_code": status_code, "error_ref": error_ref, "detail": detail}
    headers = {}
    template_name = "errors/error.html"
    if wants_fragment(request):
        # htmx swaps error responses too (see responseHandling in base.html): show them in the page's error region.
        template_name = "errors/_htmx_error.html"
        headers = {"HX-Retarget": "#htmx-error", "HX-Reswap": "innerHTML"}
    html = render_fragment(request, template_name, context)
    return Response(content=html, status_code=status_code, media_type=MediaType.HTML, headers=headers)


def login_required_handler(request: Request, exc: LoginRequired) -> Response:
    """Anonymous users are sent to log in and brought back afterwards (htmx follows with a full redirect, unless
    the page holds what they typed: then it says they have been logged out, in the page's session panel)."""
    target = exc.next_path or request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = login_url(target)
    if wants_fragment(request):
        if exc.keep_form:
            context = {"expired": True, "keep_form": exc.keep_form, "oob": True}
            html = render_fragment(request, "layout/_session_timeout.html", context)
            return Response(content=html, media_type=MediaType.HTML, headers={"HX-Reswap": "none"})
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=HTTP_303_SEE_OTHER)


class SeeOther(Exception):
    """Raised where an address has moved on for good (the draft became a case): 303 to `location`, or for htmx a
    full-page redirect."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def see_other_handler(request: Request, exc: SeeOther) -> Response:
    if wants_fragment(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": exc.location})
    return Redirect(exc.location, status_code=HTTP_303_SEE_OTHER)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return internal_error_handler(request, exc)
    detail = getattr(exc, "user_message", None)
    response = _render(request, exc.status_code, detail=detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, Unavailable):
        return unavailable_handler(request, exc)
    response = _render(request, exc.status_code, detail=exc.user_message or None)
    if isinstance(exc, TooMany):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if is_unavailable(exc):
        return unavailable_handler(request, exc)
    error_ref = secrets.token_hex(4).upper()
    log.error(
        "unhandled_exception",
        exc_info=exc,
        extra={"error_ref": error_ref, "method": request.method, "path": request.url.path},
    )
    try:
        return _render(request, HTTP_500_INTERNAL_SERVER_ERROR, error_ref=error_ref)
    except Exception:  # the error page itself failed: answer in plain text rather than not at all
        log.exception("error_page_failed", extra={"error_ref": error_ref})
        return Response(
            content=_("A technical error occurred. Error reference: %(ref)s") % {"ref": error_ref},
            status_code=HTTP_500_INTERNAL_SERVER_ERROR,
            media_type=MediaType.TEXT,
        )


def unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database is out of reach: a Swedish 503 that says to come back shortly (what lives in memory, such as
    the catalogue, is still served by its handlers)."""
    log.warning(
        "database_unavailable", extra={"error": type(exc).__name__, "method": request.method, "path": request.url.path}
    )
    response = _render(request, HTTP_503_SERVICE_UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    LoginRequired: login_required_handler,
    SeeOther: see_other_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
