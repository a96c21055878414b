"""The client's real address behind reverse proxies.

`X-Forwarded-For` and `X-Forwarded-Proto` count only on connections from an address in `TRUSTED_PROXIES` (addresses
or networks); from anywhere else they are ignored, so nobody can choose the address their requests are rate-limited
under. uvicorn's own middleware does the work (it walks the list from the right, past trusted proxies); uvicorn's
built-in proxy header handling is turned off (`--no-proxy-headers`) so that this setting is the only one."""

from __future__ import annotations

from litestar import Litestar
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trust_proxies(app: Litestar, proxies: tuple[str, ...]) -> Litestar:
    if proxies:
        app.asgi_handler = ProxyHeadersMiddleware(app.asgi_handler, trusted_hosts=list(proxies))
    return app
