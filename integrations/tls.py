"""TLS for outside systems that want mutual TLS (BankID, SPAR, the company register)."""

from __future__ import annotations

import ssl


def ssl_context(
    client_cert: tuple[str, str] | None, ca_cert: str | None, key_password: str | None = None
) -> ssl.SSLContext:
    """Trust only `ca_cert` (the service's own CA, not the system store) when given, and present the client
    certificate and key (PEM files) when given."""
    context = ssl.create_default_context(cafile=ca_cert) if ca_cert else ssl.create_default_context()
    if client_cert is not None:
        context.load_cert_chain(client_cert[0], client_cert[1], password=key_password)
    return context
