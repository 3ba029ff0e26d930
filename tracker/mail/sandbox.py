"""The sandboxed Jinja environments email templates are parsed and rendered in.

Admins edit email templates, so they are rendered in Jinja's immutable sandbox with
undefined names refused. A template's source compiles to the same code every time; the
compiled templates are kept (by source), so sending an email does not compile it again.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment


def _environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        # No {% … %} statements beyond if/else/endif pass the checks anyway; a stray
        # line statement or comment syntax is plain text.
        line_statement_prefix=None,
        line_comment_prefix=None,
    )


TEXT_ENV = _environment(autoescape=False)
HTML_ENV = _environment(autoescape=True)


@lru_cache(maxsize=512)
def compiled(source: str, *, html: bool = False) -> Template:
    """Return *source* compiled in the text (or, with *html*, the autoescaping) sandbox."""
    return (HTML_ENV if html else TEXT_ENV).from_string(source)
