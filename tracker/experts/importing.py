"""Import the newsroom's own list of experts: a dry run line by line, then one transaction.

:func:`check_file` reads a CSV or XLSX file (:mod:`.import_files`), checks every row
(:mod:`.import_rows`) and says for each line what an import would do: create an expert,
complete an expert already in the pool (matched by address or by the cross-script name
key, records.find_expert) with what would change, leave one unchanged, or refuse the row
with every reason. A row whose person has applied to a call says so. Bad rows never stop
the good ones from being reported.

:func:`import_experts` checks the file again inside one write transaction and applies
the good rows: new experts with the import as their source and consent recorded now,
known experts completed (missing regions, languages and topics added, empty fields
filled, nothing overwritten). Anything that stops the file as a whole – a missing column,
an encoding we cannot read, more rows than IMPORT_MAX_ROWS – stops the import, and any
failure rolls everything back: nothing is ever half-imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from tracker.applications.people import name_key
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import ExpertSource
from tracker.experts.import_files import ImportFileError, read_rows
from tracker.experts.import_rows import ExpertData, Vocabulary, check_row, load_vocabulary
from tracker.experts.records import (
    MATCH_EMAIL,
    find_expert,
    new_expert,
    set_expertise,
    timezone_for_country,
)
from tracker.extensions import db
from tracker.models import Application, Expert, User, utcnow

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REFUSED = "refused"
OUTCOMES = (CREATE, UPDATE, UNCHANGED, REFUSED)
# Stored as the consent's notice version: the newsroom brought the list in, not the person.
IMPORT_PRIVACY_VERSION = "import"
FILLED_FIELDS = ("phone", "city", "notes")


class ImportRefused(Exception):
    """The file cannot be imported as a whole; the report says why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("; ".join(str(problem) for problem in report.problems))
        self.report = report


@dataclass
class ReportRow:
    """What the import does with one line: its outcome and the reasons or changes."""

    line: int
    full_name: str
    email: str
    outcome: str
    reasons: list = field(default_factory=list)
    data: ExpertData | None = None
    expert: Expert | None = None


@dataclass
class ImportReport:
    """The dry run of a file: a row per line, and whatever stops the file as a whole."""

    rows: list[ReportRow] = field(default_factory=list)
    problems: list = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """Return how many rows have *outcome*."""
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        """Return {outcome: rows} for every outcome."""
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    @property
    def importable(self) -> int:
        """Return how many experts an import would create or complete (0 if it cannot run)."""
        if self.problems:
            return 0
        return self.count(CREATE) + self.count(UPDATE)


def _additions(expert: Expert, data: ExpertData) -> tuple[list, list, list, list]:
    """Return what *data* adds to *expert*: regions, languages, topics, fields to fill."""
    regions = [key for key in data.regions if key not in expert.regions]
    known_languages = {row.language for row in expert.languages}
    languages = [pair for pair in data.languages if pair[0] not in known_languages]
    known_topics = {row.topic for row in expert.topics}
    topics = [key for key in data.topics if key not in known_topics]
    filled = [name for name in FILLED_FIELDS if getattr(data, name) and not getattr(expert, name)]
    return regions, languages, topics, filled


def _changes(expert: Expert, data: ExpertData) -> list:
    """Say what importing *data* would change on *expert*."""
    regions, languages, topics, filled = _additions(expert, data)
    changes = []
    if regions:
        changes.append(_l("Adds the regions %(keys)s.", keys=", ".join(regions)))
    if languages:
        said = ", ".join(f"{code} ({level})" for code, level in languages)
        changes.append(_l("Adds the languages %(languages)s.", languages=said))
    if topics:
        changes.append(_l("Adds the topics %(keys)s.", keys=", ".join(topics)))
    if filled:
        changes.append(_l("Fills in %(fields)s.", fields=", ".join(filled)))
    return changes


def _applicant_note(data: ExpertData):
    """Say that the person has applied to a call (same address or name key), or None."""
    key = name_key(data.full_name)
    same = Application.email == data.email
    if key:
        same = or_(same, Application.name_key == key)
    reference = db.session.scalar(
        select(Application.reference).where(same).order_by(Application.created_at.desc()).limit(1)
    )
    if reference is None:
        return None
    return _l("This person has applied (%(reference)s).", reference=reference)


def _matched_row(row: ReportRow, data: ExpertData) -> None:
    """Set the outcome of a checked row: create, or update/unchanged for a known expert."""
    expert, how = find_expert(data.email, data.full_name)
    if expert is None:
        row.outcome = CREATE
        note = _applicant_note(data)
        row.reasons = [note] if note is not None else []
        return
    row.expert = expert
    changes = _changes(expert, data)
    row.outcome = UPDATE if changes else UNCHANGED
    if how == MATCH_EMAIL:
        match = _l("In the pool with this address.")
    else:
        match = _l(
            "In the pool as “%(name)s” <%(email)s> (the same name in another spelling).",
            name=expert.full_name,
            email=expert.email,
        )
    row.reasons = [match, *changes]


def _report_rows(path: Path, kind: str, vocabulary: Vocabulary) -> ImportReport:
    report = ImportReport()
    try:
        read = read_rows(path, kind)
    except ImportFileError as error:
        report.problems.append(error.args[0])
        return report
    if read.truncated:
        report.problems.append(
            _l(
                "The file has more than %(max)s rows: only the first %(max)s were read and "
                "nothing can be imported. Please split the list into files of at most "
                "%(max)s rows.",
                max=len(read.rows),
            )
        )
    first_line: dict[str, int] = {}
    for file_row in read.rows:
        if file_row.unreadable is not None:
            report.rows.append(ReportRow(file_row.line, "", "", REFUSED, [file_row.unreadable]))
            continue
        problems = list(file_row.problems)
        data = check_row(file_row.cells, vocabulary, problems)
        if data.email in first_line:
            problems.append(
                _l(
                    "The address %(email)s is already on line %(line)s.",
                    email=data.email,
                    line=first_line[data.email],
                )
            )
        elif data.email:
            first_line[data.email] = file_row.line
        row = ReportRow(file_row.line, data.full_name, data.email, REFUSED, problems)
        if not problems:
            row.data = data
            _matched_row(row, data)
        report.rows.append(row)
    return report


def check_file(path: Path, kind: str) -> ImportReport:
    """Return the dry run of importing *path* (a *kind* file: csv or xlsx); write nothing."""
    return _report_rows(path, kind, load_vocabulary())


def _create(data: ExpertData, vocabulary: Vocabulary, now) -> Expert:
    country = vocabulary.regions.get(data.regions[0]) if data.regions else None
    expert = new_expert(
        full_name=data.full_name,
        email=data.email,
        phone=data.phone,
        city=data.city,
        notes=data.notes,
        country=country,
        timezone=timezone_for_country(country),
        source=ExpertSource.IMPORT.value,
        consent_at=now,
        privacy_version=IMPORT_PRIVACY_VERSION,
    )
    set_expertise(expert, regions=data.regions, languages=data.languages, topics=data.topics)
    return expert


def _complete(expert: Expert, data: ExpertData) -> None:
    """Add to *expert* what *data* has and it lacks; overwrite nothing."""
    regions, languages, topics, filled = _additions(expert, data)
    set_expertise(
        expert,
        regions=[*expert.regions, *regions],
        languages=[*((row.language, row.level) for row in expert.languages), *languages],
        topics=[*(row.topic for row in expert.topics), *topics],
    )
    for name in filled:
        setattr(expert, name, getattr(data, name))


def import_experts(path: Path, kind: str, *, by: User | None) -> ImportReport:
    """Check *path* again and import its good rows in one transaction; return the report.

    :raises ImportRefused: the file as a whole cannot be imported (nothing is written).
    """
    begin_write()
    try:
        vocabulary = load_vocabulary()
        report = _report_rows(path, kind, vocabulary)
        if report.problems:
            raise ImportRefused(report)
        now = utcnow()
        for row in report.rows:
            if row.outcome == CREATE:
                _create(row.data, vocabulary, now)
            elif row.outcome == UPDATE:
                _complete(row.expert, row.data)
        record_event("experts.imported", actor=by, file_format=kind, **report.counts)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report
