"""Apps for the tests: create_app's, with each template compiled once per test process.

Every test builds an app of its own, and every app has a Jinja environment of its own,
which compiles each template it renders from source: about a third of the suite's time went
into compiling the same templates again. The compiled code is kept here instead, keyed (by
Jinja) on the template's name and a checksum of its source, so a changed template is
compiled afresh.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from tracker import create_app


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode of every template rendered in this process, in memory."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def build_app(config: dict) -> Flask:
    """create_app(config), sharing compiled templates with the other apps of the process."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app
