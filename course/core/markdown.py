"""Safe Markdown rendering for lessons: raw HTML is shown as text, never interpreted."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(["table", "replacements", "smartquotes"])


@lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    """HTML for `text`. markdown-it escapes raw HTML and refuses javascript: links."""
    return Markup(_MD.render(text))  # noqa: S704 - output of a renderer with html disabled
