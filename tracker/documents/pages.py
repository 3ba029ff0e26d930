"""Draw a PDF's pages as PNG images on our server, in a child process with hard limits.

Editors read a PDF as pictures of its pages: the applicant's file itself never reaches
their browser, whose PDF viewer runs scripts and parses everything a stranger can put in
a file. Drawing still hands that file to PDFium (through pypdfium2), a large C library,
so it happens in a separate process whose address space, CPU time and wall time are
capped: a crafted file can crash or exhaust only that child, and the page then shows
the extracted text with a notice instead of the pictures.

The child is this very file run as a script (``python -I pages.py``): it imports no
tracker code, reads the PDF from stdin, and writes the page count or one PNG to stdout.
No page is cached: pages are drawn when an editor looks at them, so there is no copy of
an applicant's file to forget when it is erased. Only the page count is kept, on the
document's row: the extract_text job counts it once (tracker.documents.extract_job), so
the candidate page neither starts a child nor reaches storage to show which pages exist.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Pages shown of one document (the page says when there are more); every page costs a
# child process, and a CV or a writing sample rarely runs longer.
MAX_PAGES = 20
# Upper bound of a drawn page in pixels: readable in the main column, at most 2x zoom.
MAX_WIDTH = 1100
MAX_HEIGHT = 1600
MAX_SCALE = 2.0
# The child's limits. Its address space holds Python, PDFium and one bitmap (1100 x 1600
# x 4 bytes is 7 MB); a file that asks for more is refused by the kernel, not by swap.
MEMORY_LIMIT = 512 * 1024 * 1024
CPU_SECONDS = 10
WALL_SECONDS = 20


class RenderError(Exception):
    """The PDF could not be drawn: broken, hostile, too big or too slow."""


@dataclass(frozen=True)
class PagePreview:
    """What the reader shows of one PDF: pages 1..*shown* as images, of *total*."""

    shown: int = 0
    total: int = 0
    failed: bool = False
    # Not counted yet: the extract_text job has not run for this document.
    pending: bool = False

    @classmethod
    def of_count(cls, total: int | None) -> PagePreview:
        """Return the preview of a PDF whose row says it has *total* pages (None: not
        counted yet; 0: it could not be counted)."""
        if total is None:
            return cls(pending=True)
        if total < 1:
            return cls(failed=True)
        return cls(shown=min(total, MAX_PAGES), total=total)

    @property
    def numbers(self) -> range:
        """Return the page numbers (from 1) that are drawn for the reader."""
        return range(1, self.shown + 1)

    @property
    def truncated(self) -> bool:
        """Tell whether the PDF has more pages than the reader shows."""
        return self.total > self.shown


def count_pages(data: bytes | Path) -> int:
    """Return the number of pages of the PDF *data* (bytes, or a file's path); 0 if it
    cannot be counted (broken, hostile, too big or too slow for the child's limits)."""
    try:
        total = int(_run_child(["count"], data))
    except (RenderError, ValueError):
        return 0
    return max(total, 0)


def render_page(data: bytes | Path, number: int) -> bytes:
    """Return page *number* (from 1) of the PDF *data* (bytes, or a file's path) as PNG bytes.

    :raises RenderError: the number is out of range, or the child failed or was stopped.
    """
    if not 1 <= number <= MAX_PAGES:
        raise RenderError("page number out of range")
    png = _run_child(["page", str(number)], data)
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RenderError("the renderer returned no PNG")
    return png


def _run_child(arguments: list[str], data: bytes | Path) -> bytes:
    """Run this file as a script on *data*; return its output or raise RenderError.

    A path is opened here and given to the child as its stdin, so the parent never holds
    the file in memory.
    """
    if isinstance(data, Path):
        with open(data, "rb") as handle:
            return _spawn(arguments, {"stdin": handle})
    return _spawn(arguments, {"input": data})


def _spawn(arguments: list[str], feed: dict) -> bytes:
    try:
        # -I: no user site, no PYTHON* variables, no current directory on sys.path; an
        # empty environment passes nothing of ours (secrets in variables) to the child.
        result = subprocess.run(  # noqa: S603 (our interpreter, our script, fixed arguments)
            [sys.executable, "-I", __file__, *arguments],
            **feed,
            capture_output=True,
            timeout=WALL_SECONDS,
            env={},
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError("the renderer ran out of time") from error
    if result.returncode != 0:
        raise RenderError(f"the renderer stopped with {result.returncode}")
    return result.stdout


# -- the child ---------------------------------------------------------------------------------


def limit_child() -> None:
    """Cap this process before it reads the file: memory, CPU, no files, no core dumps."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(arguments: list[str]) -> None:
    limit_child()
    import pypdfium2

    pdf = pypdfium2.PdfDocument(sys.stdin.buffer.read())
    if arguments[0] == "count":
        sys.stdout.write(str(len(pdf)))
        return
    page = pdf[int(arguments[1]) - 1]
    width, height = page.get_size()
    scale = min(MAX_WIDTH / width, MAX_HEIGHT / height, MAX_SCALE)
    # may_draw_forms=False: form fields are drawn from the page's own appearance only.
    bitmap = page.render(scale=scale, may_draw_forms=False)
    bitmap.to_pil().save(sys.stdout.buffer, format="PNG")


if __name__ == "__main__":
    _child(sys.argv[1:])
