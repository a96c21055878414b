"""Security headers on every response, error pages and static files included (a `before_send` hook sees them all)."""

from __future__ import annotations

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


# Pages of an application in progress hold what the resident typed (also without logging in, where no session makes
# them private): no cache may keep them, not even the browser's.
PRIVATE_PATHS = ("/ansokan/",)
NO_STORE = (b"cache-control", b"no-store")


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
    # Pages may carry a CSRF cookie or personal data: never in a shared cache unless a handler says otherwise.
    headers.append(("cache-control", "private, no-cache"))
    encoded = [(name.encode(), value.encode()) for name, value in headers]

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        response_headers = message.setdefault("headers", [])
        if scope["path"].startswith(PRIVATE_PATHS):
            response_headers[:] = [header for header in response_headers if header[0].lower() != b"cache-control"]
            response_headers.append(NO_STORE)
        present = {name.lower() for name, _ in response_headers}
        response_headers.extend(header for header in encoded if header[0] not in present)

    return add_security_headers
