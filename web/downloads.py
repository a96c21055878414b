"""Files sent to the browser: stored attachments and generated PDFs, always as downloads and never cached."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Response


def attachment_response(row: dict) -> Response:
    """A stored file as a download: never shown inline, never sniffed, never cached."""
    return Response(
        content=bytes(row["content"]),
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['filename'])}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF made for this visitor (a receipt); `filename` is ASCII."""
    return Response(
        content=content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
