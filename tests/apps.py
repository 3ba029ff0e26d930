"""Apps and databases for the tests, made cheaply: every test has an app and an empty
database of its own, so what each costs is paid some 2,700 times a run.

Every app has a Jinja environment of its own, which compiles each template it renders from
source: about a third of the suite's time went into compiling the same templates again. The
compiled code is kept here instead, keyed (by Jinja) on the template's name and a checksum of
its source, so a changed template is compiled afresh. Likewise every app's URL map compiles
two URL builders per route (see KeptUrlBuilders), every app's engine compiled each SQL
statement anew and not every test disposed the engines it made (see AppEngines), and the
schema is built once per process (see EmptyDatabases).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import exists, inspect, literal, make_url, select, text, union_all
from werkzeug.routing import Rule

from tracker import create_app
from tracker.extensions import db


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


class KeptUrlBuilders:
    """The URL builders werkzeug compiles for each route, kept for every app of the process.

    Binding a route to an app's URL map compiles two builder functions for it from a
    generated syntax tree (``Rule._compile_builder``): 130 routes made create_app take
    110 ms, 90 of them there, in every test. A builder is a function of the route's parsed
    parts, its defaults and whether it appends unknown arguments; it reaches the rule it
    builds for (its converters, its map) only through the ``self`` it is bound to when
    called. So one compiled for a route serves the same route in every app.
    """

    def __init__(self) -> None:
        self.builders: dict[tuple, object] = {}
        self.compile = Rule._compile_builder

    def install(self) -> None:
        kept = self

        def compile_builder(rule: Rule, append_unknown: bool = True):
            defaults = sorted((rule.defaults or {}).items())
            key = (rule.rule, tuple(rule._trace), repr(defaults), append_unknown)
            if key not in kept.builders:
                kept.builders[key] = kept.compile(rule, append_unknown)
            return kept.builders[key]

        Rule._compile_builder = compile_builder


KeptUrlBuilders().install()


class AppEngines:
    """The engines the tests' apps make: one dialect and compiled SQL per database kind, and
    every engine disposed at the end of the test that made it.

    SQLAlchemy keeps the SQL it compiled from a statement in the engine's cache, keyed by
    the statement's shape and the engine's dialect object. Each test's app has an engine of
    its own, so each test compiled every statement it ran again (tests/review: 66 s, 43 s
    with the dialect shared).
    The engines of one kind (sqlite+pysqlite, postgresql+psycopg) are made with the same
    options (config's SQLALCHEMY_ENGINE_OPTIONS), so their dialects are alike: the
    first one to have connected, with its cache, serves them all. Each engine keeps its own
    pool and connections.
    """

    def __init__(self) -> None:
        self.first: dict[str, tuple] = {}
        self.make_engine = SQLAlchemy._make_engine
        # Every engine made since the last dispose_made(): see dispose_made.
        self.made: list = []

    def dispose_made(self) -> None:
        """Dispose every engine made since the last call (conftest: at the end of each test).

        An engine dropped with connections in its pool leaves them open until the garbage
        collector finds its app, and psycopg then warns (an error here) in whatever test is
        running at that moment. Tests that build an app of their own do not all dispose
        its engine; this does, in the test that made it.
        """
        for engine in self.made:
            engine.dispose()
        self.made.clear()

    def install(self) -> None:
        shared = self

        def make_engine(extension, bind_key, options, app):
            engine = shared.make_engine(extension, bind_key, options, app)
            shared.made.append(engine)
            kind = f"{engine.dialect.name}+{engine.dialect.driver}"
            first = shared.first.get(kind)
            # Only a dialect that has met its database is shared: an engine's first
            # connection initialises the dialect it was made with (the server's version,
            # which reflection and migrations read), so one from an engine that never
            # connected would stay blank in every engine given it.
            if first is None or first[0].server_version_info is None:
                shared.first[kind] = (engine.dialect, engine._compiled_cache)
            else:
                engine.dialect, engine._compiled_cache = first
            return engine

        SQLAlchemy._make_engine = make_engine


APP_ENGINES = AppEngines()
APP_ENGINES.install()


def build_app(config: dict) -> Flask:
    """create_app(config), sharing compiled templates with the other apps of the process."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


class EmptyDatabases:
    """Gives each test an empty database with the models' schema, built once per process.

    On PostgreSQL (a database per test process) the schema stays and its rows are deleted
    before each test, a few milliseconds instead of 240 ms of DDL to drop and rebuild it,
    as long as the tables are the models' own: after a test marked ``changes_schema``
    (migrations) or one that dropped or added tables, the schema is rebuilt from nothing.
    On SQLite every test has a new file: a copy of *sqlite_schema*, an empty database with
    the schema that the process's first test built (a copy takes a millisecond, the DDL
    25 ms).
    """

    def __init__(self, sqlite_schema: Path) -> None:
        self.sqlite_schema = sqlite_schema
        self.built: set[str] = set()  # PostgreSQL URLs holding exactly the models' schema

    def empty(self, url: str, *, keeps_schema: bool) -> None:
        """Empty the database at *url*, the current app's (call in its app context)."""
        if url.startswith("sqlite") and keeps_schema:
            self._copy_sqlite_schema(make_url(url).database)
        elif url.startswith("postgresql") and keeps_schema:
            self._empty_postgresql(url)
        else:
            self.built.discard(url)
            db.drop_all()
            db.create_all()

    def after_test(self, url: str, *, keeps_schema: bool) -> None:
        """Drop a PostgreSQL schema the next test cannot reuse (SQLite files just go)."""
        if url.startswith("postgresql") and (url not in self.built or not keeps_schema):
            db.drop_all()
            self.built.discard(url)

    def _copy_sqlite_schema(self, path: str) -> None:
        db.engine.dispose()  # nothing may hold the file while it is replaced
        if not self.sqlite_schema.exists():
            db.drop_all()
            db.create_all()
            db.engine.dispose()  # closing the last connection leaves no -wal file behind
            shutil.copyfile(path, self.sqlite_schema)
        shutil.copyfile(self.sqlite_schema, path)

    def _empty_postgresql(self, url: str) -> None:
        tables = sorted(table.name for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            present = sorted(inspect(connection).get_table_names())  # the public schema's
            if url in self.built and present == tables:
                delete_every_row(connection)
                return
            # Whatever a test left behind (alembic_version, a half-migrated schema) goes too.
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.create_all()
        self.built.add(url)


def delete_every_row(connection) -> None:
    """Empty every table of the models (in dependency order) and restart the used sequences.

    What TRUNCATE … RESTART IDENTITY does, at a fraction of its cost: a test fills a few
    tables, and TRUNCATE makes new files for all of them (150 ms a test); DELETE touches only
    the tables that have rows.
    """
    tables = db.metadata.sorted_tables
    filled = set(
        connection.scalars(
            union_all(
                *(
                    select(literal(table.name)).where(exists(select(1).select_from(table)))
                    for table in tables
                )
            )
        )
    )
    for table in reversed(tables):  # those that refer to others first
        if table.name in filled:
            connection.execute(table.delete())
    used = connection.scalars(
        text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for sequence in used:
        connection.execute(text(f"ALTER SEQUENCE {quote(sequence)} RESTART"))
