"""`flask --app tracker experts …`: the expert pool's commands (import, enrol).

Exit codes of ``experts import``: 0 every row was imported (or, with ``--dry-run``, would
be); 3 some rows were refused and the others imported (or would be); 1 nothing was
imported – the file as a whole cannot be, or the answer to the question was no.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask_babel import force_locale

from tracker.experts.import_files import ImportFileError, file_format
from tracker.experts.importing import (
    CREATE,
    REFUSED,
    UNCHANGED,
    UPDATE,
    ImportRefused,
    ImportReport,
    check_file,
    import_experts,
)
from tracker.experts.pool import enrol_accepted
from tracker.ui_languages import UI_LANGUAGES

EXIT_REFUSED_ROWS = 3
OUTCOME_WORDS = {
    CREATE: "create",
    UPDATE: "update",
    UNCHANGED: "unchanged",
    REFUSED: "refused",
}


@click.group("experts")
def experts_group() -> None:
    """Manage the pool of experts."""


@experts_group.command("enrol")
def enrol_command() -> None:
    """Make every accepted candidate not yet in the pool an expert."""
    click.echo(f"Enrolled {enrol_accepted()} accepted applications into the expert pool.")


def echo_report(report: ImportReport) -> None:
    """Print the dry run: the file's problems, one line per row, then the counts."""
    for problem in report.problems:
        click.echo(f"File: {problem}", err=True)
    for row in report.rows:
        who = f"{row.full_name} <{row.email}>" if row.email else row.full_name
        reasons = " ".join(str(reason) for reason in row.reasons)
        click.echo(
            f"Line {row.line}: {OUTCOME_WORDS[row.outcome]}: {who}"
            + (f": {reasons}" if reasons else "")
        )
    counts = report.counts
    click.echo(
        f"{counts[CREATE]} to create, {counts[UPDATE]} to update, "
        f"{counts[UNCHANGED]} unchanged, {counts[REFUSED]} refused."
    )


@experts_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what an import would do.")
@click.option("--yes", is_flag=True, help="Import without asking.")
@click.option(
    "--language",
    type=click.Choice(UI_LANGUAGES),
    default="en",
    show_default=True,
    help="The language of the report's reasons.",
)
def import_command(file: Path, dry_run: bool, yes: bool, language: str) -> None:
    """Import experts from a CSV or XLSX FILE: the dry run first, then one transaction."""
    with force_locale(language):
        try:
            kind = file_format(file.name)
        except ImportFileError as error:
            raise click.ClickException(str(error)) from error
        report = check_file(file, kind)
        echo_report(report)
        if not report.importable:
            click.echo("Nothing can be imported.", err=True)
            raise SystemExit(1)
        refused = report.count(REFUSED)
        if dry_run:
            raise SystemExit(EXIT_REFUSED_ROWS if refused else 0)
        if not yes and not click.confirm(f"Import {report.importable} experts?"):
            click.echo("Nothing imported.", err=True)
            raise SystemExit(1)
        try:
            done = import_experts(file, kind, by=None)
        except ImportRefused as error:
            echo_report(error.report)
            raise click.ClickException("Nothing imported.") from error
        counts = done.counts
        click.echo(
            f"Imported: {counts[CREATE]} created, {counts[UPDATE]} updated, "
            f"{counts[UNCHANGED]} unchanged, {counts[REFUSED]} refused."
        )
        raise SystemExit(EXIT_REFUSED_ROWS if done.count(REFUSED) else 0)


def _export(kind: str, file_format: str, headers: str, output: str, at_risk: bool) -> None:
    """Write the export of *kind* to *output* (audited), with a progress bar; the email of
    experts from applications at risk only with *at_risk*."""
    from tracker.exports import write_csv, write_xlsx
    from tracker.exports.pool import SHEET_TITLES, column_widths, export_rows, record_pool_export

    count = record_pool_export(kind, file_format, user=None, at_risk_contacts=at_risk)
    with click.progressbar(length=count, label=f"Exporting {count} {kind}") as bar:
        rows = export_rows(
            kind,
            headers=headers,
            text=file_format == "csv",
            progress=bar.update,
            at_risk_contacts=at_risk,
        )
        if file_format == "xlsx":
            with open(output, "wb") as handle:
                write_xlsx(rows, handle, column_widths(kind), title=SHEET_TITLES[kind])
        else:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(write_csv(rows))
    click.echo(f"Wrote {count} {kind} to {output}.")


def export_file_options(command: Callable) -> Callable:
    """Give an ``export`` command the options every export takes: the file's format, its
    column headers, where it is written, and whether it holds the contacts of applicants
    at risk."""
    options = (
        click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv"),
        click.option(
            "--headers",
            type=click.Choice(["keys", "people"]),
            default="keys",
            help="Column headers: the keys (default, for scripts) or words, as the admin page "
            "gives.",
        ),
        click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True),
        click.option(
            "--at-risk-contacts",
            is_flag=True,
            help="Include the contact details of applicants at risk (left out by default; "
            "audited).",
        ),
    )
    for option in reversed(options):  # as if stacked as decorators, in this order
        command = option(command)
    return command


def _export_command(kind: str, help_text: str) -> click.Command:
    """Return the ``export <kind>`` command."""

    @click.command(kind, help=help_text)
    @export_file_options
    def command(file_format: str, headers: str, output: str, at_risk_contacts: bool) -> None:
        _export(kind, file_format, headers, output, at_risk_contacts)

    return command


export_experts_command = _export_command(
    "experts", "Write the expert pool to a CSV or XLSX file (audited)."
)
export_assignments_command = _export_command(
    "assignments", "Write every assignment, with fees as text, to a CSV or XLSX file (audited)."
)
