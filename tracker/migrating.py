"""Flask-Migrate's ``flask db`` commands, attached to the app only when one of them runs.

Importing Flask-Migrate imports Alembic: a third of the start-up of every other command
(an export, the worker), which never migrates. ``create_app`` lists a stand-in ``db``
group; parsing a ``db`` command attaches Flask-Migrate to the app and hands the command
line over to Flask-Migrate's own group.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from tracker.extensions import db

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations"


def attach_migrations(app: Flask) -> click.Group:
    """Attach Flask-Migrate to *app* (``app.extensions["migrate"]``, which its functions
    such as ``upgrade()`` and migrations/env.py read) and return its ``db`` group."""
    from flask_migrate import Migrate
    from flask_migrate.cli import db as commands

    Migrate(app, db, directory=str(MIGRATIONS_FOLDER))
    return commands


class _StandIn(click.Group):
    """Flask-Migrate's ``db`` group in the list of commands, until a ``db`` command is parsed
    (the Flask command line has pushed the app's context by then)."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        commands = attach_migrations(current_app._get_current_object())
        return commands.make_context(info_name, args, parent=parent, **extra)


def register(app: Flask) -> None:
    """List ``flask db`` among *app*'s commands without loading Flask-Migrate."""
    app.cli.add_command(_StandIn("db", help="Perform database migrations."))
