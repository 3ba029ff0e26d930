"""Command-line interface: `flask --app tracker …`."""

from __future__ import annotations

import time

import click
from flask import Flask

from tracker.api_cli import api_group
from tracker.experts.cli import (
    experts_group,
    export_assignments_command,
    export_experts_command,
    export_file_options,
)
from tracker.extensions import db
from tracker.replies.fetch import replies_group


@click.group("calls")
def calls_group() -> None:
    """Manage calls for applications."""


@calls_group.command("seed-default")
def seed_default_command() -> None:
    """Create the outlet's default call unless it exists."""
    from tracker.calls import seed_default_call

    call, created = seed_default_call()
    db.session.commit()
    click.echo(f"{'Created' if created else 'Kept existing'} call '{call.slug}'.")


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the address).")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor")
def create_user_command(email: str, name: str, role: str) -> None:
    """Create a staff account and print its one-time password."""
    from tracker.accounts.common import AccountError
    from tracker.accounts.users import create_user

    try:
        user, password = create_user(email, name=name, role=role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}. One-time password: {password}")
    click.echo("It must be changed at the first sign-in.")


@users_group.command("bootstrap-admin")
@click.option("--email", default="admin@example.org", show_default=True)
def bootstrap_admin_command(email: str) -> None:
    """Create a first admin if there is no admin yet, and print its one-time password."""
    from tracker.accounts.users import bootstrap_admin

    result = bootstrap_admin(email)
    db.session.commit()
    if result is None:
        click.echo("An admin account exists already; nothing to do.")
        return
    user, password = result
    click.echo(f"Created the first admin {user.email}. One-time password: {password}")
    click.echo("Sign in and choose a new password; this one is shown only now.")


@click.command("worker")
@click.option("--watch", is_flag=True, help="Keep running and run new jobs as they come.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def worker_command(watch: bool, interval: float) -> None:
    """Run the background jobs that are due: emails, text extraction, the daily purge."""
    from tracker.jobs.runner import run_pending

    while True:
        report = run_pending()
        if report.attempted or not watch:
            click.echo(
                f"done {report.done + report.skipped}, retry later {report.deferred}, "
                f"failed {report.failed}",
                err=True,
            )
        if not watch:
            return
        db.session.remove()
        time.sleep(interval)


@click.group("mail")
def mail_group() -> None:
    """Deliver the email outbox."""


# `flask mail deliver` is what deployments ran before there were other jobs: the worker.
mail_group.add_command(worker_command, "deliver")


@click.group("storage")
def storage_group() -> None:
    """Check the document storage."""


@storage_group.command("reconcile")
@click.option(
    "--delete",
    is_flag=True,
    help="Remove files that no row refers to, and files kept for forms that have expired.",
)
def reconcile_command(delete: bool) -> None:
    """Report files without rows, rows without files, and kept files of expired forms."""
    from tracker.documents.storage import reconcile

    report = reconcile(delete=delete)
    for key in report.orphan_files:
        click.echo(f"file without row: {key}{' (deleted)' if delete else ''}")
    for document_id, key in report.missing_files:
        click.echo(f"row without file: document {document_id} ({key})")
    click.echo(
        f"{len(report.orphan_files)} file(s) without rows, "
        f"{len(report.missing_files)} row(s) without files, "
        f"{len(report.expired_kept)} expired form(s) with kept files"
        f"{' (deleted)' if delete and report.expired_kept else ''}"
    )
    if report.missing_files:
        raise SystemExit(1)


def _reseal(new: bytes) -> None:
    from tracker.documents.storage.rotation import reseal_all

    try:
        counts = reseal_all(new, click.echo)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        ", ".join(
            f"{counts[word]} {word}" for word in ("rewrapped", "encrypted", "skipped", "failed")
        )
    )
    if counts["failed"]:
        raise SystemExit(1)


@storage_group.command("rotate-key")
@click.option(
    "--new-key-file",
    required=True,
    type=click.Path(dir_okay=False),
    help="File holding the new 32-byte key (64 hex characters or base64).",
)
def rotate_key_command(new_key_file: str) -> None:
    """Wrap every stored object's data key under a new master key (content untouched)."""
    from tracker.config import ConfigError
    from tracker.documents.storage.keys import read_key_file

    try:
        new = read_key_file(new_key_file, "--new-key-file")
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    _reseal(new)


@storage_group.command("encrypt")
def encrypt_command() -> None:
    """Encrypt the objects stored before STORAGE_KEY was set, under STORAGE_KEY."""
    from tracker.documents.storage import backend

    store = backend()
    _reseal(getattr(store, "key", b""))


@click.group("search")
def search_group() -> None:
    """Maintain the full-text search index."""


@search_group.command("rebuild")
def rebuild_search_command() -> None:
    """Recompute the search entry of every application."""
    from tracker.search import rebuild_index

    count = rebuild_index()
    click.echo(f"Indexed {count} application{'' if count == 1 else 's'}.")


@click.group("demo")
def demo_group() -> None:
    """Fill a database with realistic fake applications (never in production)."""


@demo_group.command("seed")
@click.option(
    "--applications", "count", type=click.IntRange(min=1), default=1000, show_default=True
)
@click.option("--seed", type=int, default=None, help="Random seed, for the same data again.")
def seed_demo_command(count: int, seed: int | None) -> None:
    """Create fake applications with documents, history and search entries."""
    from flask import current_app

    from tracker.demo.seed import seed_demo

    if current_app.config["ENV"] == "production":
        raise click.ClickException("Refusing to seed fake applications in production.")
    with click.progressbar(length=count, label="Seeding demo applications") as bar:
        report = seed_demo(count, seed=seed, progress=bar.update)
    click.echo(
        f"Created {report.applications} applications with {report.documents} documents "
        f"for call '{report.call_slug}'."
    )


@click.group("digest")
def digest_group() -> None:
    """Send the daily digests of notifications."""


@digest_group.command("send")
def send_digests_command() -> None:
    """Send the digests due now (from DIGEST_HOUR; at most one per person and day)."""
    from tracker.notifications.digest import send_due_digests

    click.echo(f"Sent {send_due_digests()} digests.")


@click.group("assignments")
def assignments_group() -> None:
    """Commissioned pieces: reminders of deadlines and of edits."""


@assignments_group.command("remind")
def remind_command() -> None:
    """Send the reminders due now, each once: what the hourly job does."""
    from tracker.assignments.reminders import send_reminders

    report = send_reminders()
    click.echo(
        f"Deadline reminders: {report.deadlines}; edit reminders: {report.edits}; "
        f"reminder emails to authors: {report.experts}."
    )


def register(app: Flask) -> None:
    """Attach the command groups to *app*."""
    for group in (
        calls_group,
        users_group,
        worker_command,
        mail_group,
        storage_group,
        search_group,
        demo_group,
        digest_group,
        assignments_group,
    ):
        app.cli.add_command(group)
    app.cli.add_command(templates_group)  # defined below
    app.cli.add_command(replies_group)
    app.cli.add_command(experts_group)
    app.cli.add_command(api_group)
    register_privacy(app)  # defined below


@click.group("templates")
def templates_group() -> None:
    """Manage the email templates."""


@templates_group.command("seed")
@click.option("--overwrite", is_flag=True, help="Replace versions that exist by the files' texts.")
def seed_templates_command(overwrite: bool) -> None:
    """Create every email template version from templates/mail/ that the database lacks."""
    from tracker.mail.template_store import seed_templates

    report = seed_templates(overwrite=overwrite)
    click.echo(
        f"Created {len(report.created)}, replaced {len(report.updated)}, "
        f"kept {len(report.kept)} email template versions."
    )


@click.group("export")
def export_group() -> None:
    """Export candidate lists."""


@export_group.command("applications")
@click.option("--status", "statuses", multiple=True, help="Only this status (repeatable).")
@click.option("--region", default=None, help="Only applicants who cover this region (its key).")
@click.option("--call", "call_id", type=int, default=None, help="Only this call id.")
@click.option("--q", "query", default=None, help="Full-text search, as in the inbox.")
@click.option("--columns", default=None, help="Comma-separated columns (default: all).")
@export_file_options
def export_applications_command(
    file_format: str,
    statuses: tuple[str, ...],
    region: str | None,
    call_id: int | None,
    query: str | None,
    columns: str | None,
    headers: str,
    output: str,
    at_risk_contacts: bool,
) -> None:
    """Write the applications matching the filters to a CSV or XLSX file (audited)."""
    from tracker.exports import (
        ExportError,
        check_columns,
        column_widths,
        export_rows,
        record_export,
        write_csv,
        write_xlsx,
    )
    from tracker.inbox.filter import InboxFilter

    args: dict[str, list[str] | str] = {"status": list(statuses)}
    for name, value in (("region", region), ("call", call_id), ("q", query)):
        if value is not None:
            args[name] = str(value)
    inbox_filter = InboxFilter.from_args(args)
    try:
        chosen = check_columns(columns.split(",") if columns else None)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    count = record_export(
        file_format, inbox_filter, user=None, columns=chosen, headers=headers,
        at_risk_contacts=at_risk_contacts,
    )  # fmt: skip
    with click.progressbar(length=count, label=f"Exporting {count} applications") as bar:
        rows = export_rows(
            inbox_filter,
            user=None,
            columns=chosen,
            headers=headers,
            text=file_format == "csv",
            progress=bar.update,
            at_risk_contacts=at_risk_contacts,
        )
        if file_format == "xlsx":
            with open(output, "wb") as handle:
                write_xlsx(rows, handle, column_widths(chosen))
        else:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(write_csv(rows))
    click.echo(f"Wrote {count} application{'' if count == 1 else 's'} to {output}.")


@click.group("privacy")
def privacy_group() -> None:
    """Apply the retention policy."""


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be erased; erase nothing.")
def purge_command(dry_run: bool) -> None:
    """Erase the applications whose retention period (RETENTION_DAYS, RETENTION_DAYS_AT_RISK)
    has run out."""
    from flask import current_app

    from tracker.privacy import purge_expired

    policy = current_app.config["RETENTION_DAYS"]
    click.echo(
        "Retention: "
        + (", ".join(f"{status} {days} days" for status, days in policy.items()) or "none")
        + f"; applicants at risk, rejected or withdrawn: "
        f"{current_app.config['RETENTION_DAYS_AT_RISK']} days"
    )
    report = purge_expired(dry_run=dry_run)
    for application_id, status, decided_at in report.applications:
        verb = "would erase" if dry_run else "erased"
        click.echo(f"{verb} application {application_id} ({status}, decided {decided_at:%Y-%m-%d})")
    click.echo(
        f"{'Would erase' if dry_run else 'Erased'} {report.count} "
        f"application{'' if report.count == 1 else 's'}."
    )


def register_privacy(app: Flask) -> None:
    """Attach the export and privacy command groups to *app*."""
    export_group.add_command(export_experts_command)
    export_group.add_command(export_assignments_command)
    app.cli.add_command(export_group)
    app.cli.add_command(privacy_group)
