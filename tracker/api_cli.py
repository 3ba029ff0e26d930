"""``flask --app tracker api tokens …``: API tokens from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from tracker.api_tokens import ApiTokenError, create_token
from tracker.dates import export_moment
from tracker.enums import ApiScope, Role
from tracker.extensions import db
from tracker.models import User


@click.group("api")
def api_group() -> None:
    """Manage the JSON API."""


@api_group.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.option("--name", required=True, help="What the token is for, e.g. 'CMS'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([scope.value for scope in ApiScope]),
    help="A scope; repeat for several.",
)
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None)
@click.option("--admin", "admin_email", help="The admin the token acts for (default: the first).")
def create_token_command(
    name: str, scopes: tuple[str, ...], expires_days: int | None, admin_email: str | None
) -> None:
    """Create a token and print it (it is shown this once)."""
    query = select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
    if admin_email:
        query = query.where(User.email == admin_email.strip().lower())
    admin = db.session.scalars(query.order_by(User.id).limit(1)).first()
    if admin is None:
        raise click.ClickException(
            f"No active admin {admin_email}." if admin_email else "There is no active admin yet."
        )
    try:
        token, secret = create_token(name, scopes, by=admin, expires_days=expires_days)
    except ApiTokenError as error:
        raise click.ClickException(str(error)) from error
    expires = f"{export_moment(token.expires_at, 'UTC')} UTC" if token.expires_at else "never"
    click.echo(secret)
    click.echo(
        f"Token {token.name!r} for {admin.email}: {', '.join(token.scopes)}; expires {expires}. "
        "Keep it now: it is not shown again.",
        err=True,
    )
