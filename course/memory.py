"""Giving a worker's memory back to the system after a PDF, the one rare request that takes a lot of it.

fpdf2 parses every font for every document (the Hangul font alone takes about 12 MB while a document is made,
and its subsetting about 7 MB more) and has no public way to share a parsed font between documents: it subsets
the parsed font in place when it writes the document. What a document leaves behind is garbage in reference
cycles (the document, its fonts and their glyph maps refer to each other), freed only by a full collection, and
the heap pages it freed stay with the process until glibc is asked to return them. fontTools also reads
each font's metrics with a `struct` format as long as the font has glyphs, and `struct` keeps up to 100 compiled
formats (about 1 MB for the Hangul font's, and new ones for each document's subsets) until its cache is cleared.
"""

from __future__ import annotations

import ctypes
import gc
import struct
import sys
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where there is none (musl, macOS, Windows): then only the collection runs."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the interpreter itself runs on
    except (AttributeError, OSError):
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Free the reference cycles a finished document left, the compiled `struct` formats its fonts needed, and
    return free heap pages to the system; call it once a response's PDF bytes are made (its FPDF objects gone)."""
    gc.collect()
    struct._clearcache()  # noqa: SLF001 - the struct module's own way to drop its cache; it fills again on use
    if _TRIM is not None:
        _TRIM(0)
