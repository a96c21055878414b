"""Static files served from memory with content-hashed names, long cache lifetimes and precompressed gzip bodies.

Templates call `static('css/site.css')`, which returns `/static/css/site.<hash>.css`. A fingerprinted URL never
changes content, so it is cached for a year (`immutable`); the plain name is still served, revalidated every time.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, no-cache"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


class StaticAssets:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._assets: dict[str, tuple[Asset, bool]] = {}
        self._fingerprinted: dict[str, str] = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            name = path.relative_to(directory).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:12]
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type == "application/javascript":
                media_type += "; charset=utf-8"
            gzipped = gzip.compress(body, 9, mtime=0) if media_type.startswith(COMPRESSIBLE) else None
            asset = Asset(body, gzipped if gzipped and len(gzipped) < len(body) else None, media_type, f'"{digest}"')
            stem, dot, suffix = name.rpartition(".")
            hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
            self._assets[name] = (asset, False)
            self._assets[hashed] = (asset, True)
            self._fingerprinted[name] = hashed

    def url(self, name: str) -> str:
        """The cache-busting URL of a file under static/; a missing file is a programming error."""
        return f"/static/{self._fingerprinted[name]}"

    def response(self, name: str, accept_encoding: str, if_none_match: str | None) -> Response:
        found = self._assets.get(name)
        if found is None:
            raise NotFoundException()
        asset, immutable = found
        headers = {
            "Cache-Control": LONG_CACHE if immutable else SHORT_CACHE,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
        }
        if if_none_match == asset.etag:
            return Response(content=b"", status_code=304, headers=headers)
        if asset.gzipped is not None and "gzip" in accept_encoding:
            headers["Content-Encoding"] = "gzip"
            return Response(content=asset.gzipped, media_type=asset.media_type, headers=headers)
        return Response(content=asset.body, media_type=asset.media_type, headers=headers)


@get("/static/{name:path}", name="static", include_in_schema=False)
async def serve_static(request: Request, name: FromPath[str]) -> Response:
    assets: StaticAssets = request.app.state.assets
    return assets.response(
        name.lstrip("/"),
        accept_encoding=request.headers.get("accept-encoding", ""),
        if_none_match=request.headers.get("if-none-match"),
    )
