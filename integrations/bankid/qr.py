"""BankID's animated QR code: new content every second, drawn as inline SVG.

The content is `bankid.<qrStartToken>.<t>.<qrAuthCode>`, where t is the number of whole seconds since the auth or
sign answer and qrAuthCode is HMAC-SHA256(key=qrStartSecret, message=str(t)) in hex. The secret stays on the server.
"""

from __future__ import annotations

import hashlib
import hmac

import segno

QR_SIZE_PX = 200


def qr_content(qr_start_token: str, qr_start_secret: str, elapsed_seconds: int) -> str:
    if elapsed_seconds < 0:
        raise ValueError("elapsed_seconds cannot be negative")
    seconds = str(int(elapsed_seconds))
    code = hmac.new(qr_start_secret.encode("utf-8"), seconds.encode("ascii"), hashlib.sha256).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{code}"


def qr_svg(content: str) -> str:
    """An <svg> element for inline HTML: no XML declaration, a viewBox in modules, drawn 200 px wide, black modules
    on white with the standard quiet zone. It has no role or text alternative: the surrounding markup gives those."""
    code = segno.make(content, error="l", micro=False)
    svg = code.svg_inline(omitsize=True, dark="#000", light="#fff", border=4)
    return svg.replace("<svg ", f'<svg width="{QR_SIZE_PX}" height="{QR_SIZE_PX}" shape-rendering="crispEdges" ', 1)
