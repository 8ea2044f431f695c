"""Links: full https addresses only."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, rule
from bot.text.markdown import walk


@rule("link", "error")
def link(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Links are https and well formed."""
    for block in doc.document.blocks:
        for node in walk(block.inlines):
            if node.kind != "link":
                continue
            href = node.href
            line, column = block.position(node.start)
            parts = urlsplit(href) if href else None
            if parts is None or not parts.scheme:
                problem = f"link “{href}” is not a full web address"
            elif parts.scheme != "https":
                problem = f"link “{href}” does not use https"
            elif "." not in parts.netloc or any(c.isspace() for c in href) or "@" in parts.netloc:
                problem = f"link “{href}” is not a well-formed address"
            else:
                continue
            yield found(
                line,
                column,
                problem,
                "Use a full https:// address, e.g. https://www.example.org/page",
            )
