"""Security headers on every response, error pages and static files included (a `before_send` hook sees them all)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from core.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def security_headers_hook(settings: Settings):
    headers = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if settings.is_production:
        headers.append(("strict-transport-security", "max-age=63072000; includeSubDomains"))

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        response_headers = MutableScopeHeaders.from_message(message)
        for name, value in headers:
            if name not in response_headers:
                response_headers.add(name, value)
        if "cache-control" not in response_headers:
            # Pages may carry a CSRF cookie or personal data: never in a shared cache.
            response_headers.add("cache-control", "private, no-cache")

    return add_security_headers
