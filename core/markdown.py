"""Markdown to HTML for texts that administrators write (e-service descriptions, notices)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> Markup:
    # Safe: markdown-it escapes raw HTML ("html": False) and refuses javascript: links.
    return Markup(_markdown.render(text)) if text.strip() else Markup("")  # noqa: S704
