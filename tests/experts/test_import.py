"""Importing the newsroom's list of experts: the dry run line by line, then one transaction."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tracker.experts import importing
from tracker.experts.importing import ImportRefused, check_file, import_experts
from tracker.experts.records import new_expert, set_expertise
from tracker.extensions import db
from tracker.models import AuditEvent, Expert

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADER = "full_name,email,regions,languages,topics,phone,city,notes\n"

# What the dry run of tests/samples/experts.csv (and .xlsx) says, line by line.
SAMPLE_REPORT = [
    (2, "Nino Beridze", "nino.beridze@example.org", "create", []),
    (3, "Армен Саргсян", "armen.sargsyan@example.org", "create", []),
    (4, "Leyla Mammadova", "leyla.mammadova@example.org", "create", []),
    (
        5,
        "Giorgi Kapanadze",
        "",
        "refused",
        ["“giorgi@example” is not an email address we can write to."],
    ),
    (6, "Zurab Tsereteli", "zurab@example.org", "refused", ["“mars” is not a region of any call."]),
    (
        7,
        "Tamar Lomidze",
        "tamar@example.org",
        "refused",
        ["“fluent” is not a level: write one of A1, A2, B1, B2, C1, C2, native."],
    ),
    (
        8,
        "Ali Aliyev",
        "nino.beridze@example.org",
        "refused",
        ["The address nino.beridze@example.org is already on line 2."],
    ),
    (9, "Eka Gelashvili", "eka@example.org", "refused", ["“sports” is not a topic of any call."]),
    (
        10,
        "Lasha Abashidze",
        "lasha@example.org",
        "refused",
        [
            "The column “city” starts with “=”, which a spreadsheet runs as a formula. "
            "Please remove the sign or write the value as plain text."
        ],
    ),
]


@pytest.fixture(autouse=True)
def _english(app):
    """The reasons in English (outside a request the app speaks German)."""
    with force_locale("en"):
        yield


def lines(report) -> list[tuple]:
    """Return the report's rows as (line, name, email, outcome, reasons as text)."""
    return [
        (row.line, row.full_name, row.email, row.outcome, [str(r) for r in row.reasons])
        for row in report.rows
    ]


def write(tmp_path: Path, text: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def experts() -> list[tuple]:
    return [
        (e.full_name, e.email, e.regions, [(row.language, row.level) for row in e.languages])
        for e in db.session.scalars(select(Expert).order_by(Expert.id))
    ]


@pytest.mark.parametrize("name", ["experts.csv", "experts.xlsx"])
def test_the_sample_files_dry_run_reports_every_line(app, call, name):
    report = check_file(SAMPLES / name, name.rpartition(".")[2])

    assert report.problems == []
    assert lines(report) == SAMPLE_REPORT
    assert report.counts == {"create": 3, "update": 0, "unchanged": 0, "refused": 6}
    assert report.importable == 3
    assert db.session.scalar(select(func.count(Expert.id))) == 0


@pytest.mark.parametrize("name", ["experts.csv", "experts.xlsx"])
def test_the_sample_files_import_creates_the_good_rows_with_consent_and_an_audit_event(
    app, call, name
):
    report = import_experts(SAMPLES / name, name.rpartition(".")[2], by=None)

    assert report.counts == {"create": 3, "update": 0, "unchanged": 0, "refused": 6}
    assert experts() == [
        (
            "Nino Beridze",
            "nino.beridze@example.org",
            ["georgia", "abkhazia"],
            [("ka", "native"), ("de", "B2"), ("en", "C1")],
        ),
        (
            "Армен Саргсян",
            "armen.sargsyan@example.org",
            ["armenia"],
            [("hy", "native"), ("ru", "C2")],
        ),
        (
            "Leyla Mammadova",
            "leyla.mammadova@example.org",
            ["azerbaijan", "nakhchivan"],
            [("az", "native"), ("en", "B2")],
        ),
    ]
    nino = db.session.scalar(select(Expert).where(Expert.email == "nino.beridze@example.org"))
    assert (nino.source, nino.privacy_version, nino.phone, nino.city, nino.notes) == (
        "import",
        "import",
        "+995 599 12 34 56",
        "Tbilisi",
        "Writes for us since 2019",
    )
    assert (nino.country, nino.timezone) == ("georgia", "Asia/Tbilisi")
    assert nino.consent_at is not None
    assert sorted(t.topic for t in nino.topics) == ["politics", "society"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "experts.imported"))
    assert event.details == {
        "file_format": name.rpartition(".")[2],
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "refused": 6,
    }


def test_a_known_expert_is_completed_never_overwritten(app, call, tmp_path):
    expert = new_expert(
        full_name="Nino Beridze", email="nino@example.org", source="import", city="Batumi"
    )
    set_expertise(expert, regions=["georgia"], languages=[("ka", "native")], topics=["politics"])
    db.session.commit()
    path = write(
        tmp_path,
        HEADER
        + "Нино Беридзе,other@example.org,abkhazia;georgia,ka:B1;de:B2,politics;media,+49 30 1,Tbilisi,Note\n",
    )

    report = check_file(path, "csv")
    assert lines(report) == [
        (
            2,
            "Нино Беридзе",
            "other@example.org",
            "update",
            [
                "In the pool as “Nino Beridze” <nino@example.org> (the same name in another "
                "spelling).",
                "Adds the regions abkhazia.",
                "Adds the languages de (B2).",
                "Adds the topics media.",
                "Fills in phone, notes.",
            ],
        )
    ]
    import_experts(path, "csv", by=None)
    db.session.expire_all()
    assert experts() == [
        (
            "Nino Beridze",
            "nino@example.org",
            ["georgia", "abkhazia"],
            [("ka", "native"), ("de", "B2")],
        )
    ]
    assert (expert.phone, expert.city, expert.notes) == ("+49 30 1", "Batumi", "Note")
    assert sorted(t.topic for t in expert.topics) == ["media", "politics"]

    again = check_file(path, "csv")
    assert [row.outcome for row in again.rows] == ["unchanged"]
    assert again.importable == 0


def test_a_row_of_someone_who_applied_says_so(app, call, make_application, tmp_path):
    application = make_application(full_name="Nino Beridze", email="nino@example.org")
    path = write(tmp_path, HEADER + "Nino Beridze,NINO@example.org,georgia,ka:native,politics\n")

    assert lines(check_file(path, "csv")) == [
        (
            2,
            "Nino Beridze",
            "nino@example.org",
            "create",
            [f"This person has applied ({application.reference})."],
        )
    ]


@pytest.mark.parametrize(
    ("row", "reasons"),
    [
        (
            ",a@example.org,georgia,ka:native,politics",
            ["The name is missing."],
        ),
        (
            "Nino www.example.org,a@example.org,georgia,ka:native,politics",
            ["Please write only your name here, without web or email addresses."],
        ),
        (
            "Nino Beridze,,georgia,ka:native,politics",
            ["The email address is missing."],
        ),
        (
            "Nino Beridze,a@example.org,georgia,xx:native,politics",
            ["“xx” is not a language code we know."],
        ),
        (
            "Nino Beridze,a@example.org,georgia,ka,politics",
            ["Write each language with its level, like “ka:native;de:B2”, not “ka”."],
        ),
        (
            "Nino Beridze,a@example.org,georgia;mars;venus,ka:native,weather",
            [
                "“mars” is not a region of any call.",
                "“venus” is not a region of any call.",
                "“weather” is not a topic of any call.",
            ],
        ),
        (
            "@Nino,a@example.org,georgia,ka:native,politics",
            [
                "The column “full_name” starts with “@”, which a spreadsheet runs as a "
                "formula. Please remove the sign or write the value as plain text.",
                "Please write only your name here, without web or email addresses.",
            ],
        ),
        (
            "Nino Beridze,a@example.org,georgia,ka:native,politics,-1,,",
            [
                "The column “phone” starts with “-”, which a spreadsheet runs as a formula. "
                "Please remove the sign or write the value as plain text."
            ],
        ),
        (
            "Nino Beridze,a@example.org,georgia,ka:native,politics,,  =cmd,",
            [
                "The column “city” starts with “=”, which a spreadsheet runs as a formula. "
                "Please remove the sign or write the value as plain text."
            ],
        ),
        (
            "Nino Beridze,a@example.org,georgia,ka:native,politics,,+cmd,",
            [
                "The column “city” starts with “+”, which a spreadsheet runs as a formula. "
                "Please remove the sign or write the value as plain text."
            ],
        ),
        (
            'Nino Beridze,a@example.org,georgia,ka:native,politics,,,"\tx"',
            [
                "The column “notes” starts with “TAB”, which a spreadsheet runs as a formula. "
                "Please remove the sign or write the value as plain text."
            ],
        ),
        (
            "Nino Beridze,a@example.org,georgia,ka:native,politics,,," + "n" * 5001,
            ["The column “notes” is longer than 5000 characters."],
        ),
    ],
)
def test_each_refusal_names_its_reason(app, call, tmp_path, row, reasons):
    path = write(tmp_path, HEADER + row + "\n")
    report = check_file(path, "csv")

    assert [(r.line, r.outcome, [str(x) for x in r.reasons]) for r in report.rows] == [
        (2, "refused", reasons)
    ]
    assert report.importable == 0


def test_a_missing_required_column_refuses_the_whole_file(app, call, tmp_path):
    path = write(tmp_path, "full_name,email,regions\nNino,n@example.org,georgia\n")
    report = check_file(path, "csv")

    assert [str(p) for p in report.problems] == [
        "The first row must name the columns full_name, email, regions, languages, topics; "
        "it lacks languages, topics."
    ]
    assert report.rows == []
    with pytest.raises(ImportRefused):
        import_experts(path, "csv", by=None)
    assert db.session.scalar(select(func.count(Expert.id))) == 0


def test_utf16_and_utf8_with_bom_are_read(app, call, tmp_path):
    text = HEADER + "Армен Саргсян,armen@example.org,armenia,hy:native,economy\n"
    for encoding, name in (("utf-16", "u16.csv"), ("utf-8-sig", "bom.csv")):
        report = check_file(write(tmp_path, text, name, encoding), "csv")
        assert lines(report) == [(2, "Армен Саргсян", "armen@example.org", "create", [])]


def test_windows_1251_lines_are_refused_never_imported_as_mojibake(app, call, tmp_path):
    text = (
        HEADER
        + "Nino Beridze,nino@example.org,georgia,ka:native,politics\n"
        + "Армен Саргсян,armen@example.org,armenia,hy:native,economy\n"
    )
    path = write(tmp_path, text, encoding="cp1251")
    report = check_file(path, "csv")

    assert [(r.line, r.outcome, [str(x) for x in r.reasons]) for r in report.rows] == [
        (2, "create", []),
        (
            3,
            "refused",
            [
                "This line is not UTF-8 text; it looks like Windows-1251 (Cyrillic). Please "
                "save the file as “CSV UTF-8” and import it again."
            ],
        ),
    ]
    import_experts(path, "csv", by=None)
    assert [e[0] for e in experts()] == ["Nino Beridze"]


def test_utf16_without_a_byte_order_mark_is_refused(app, call, tmp_path):
    path = write(tmp_path, HEADER, encoding="utf-16-le")
    assert not path.read_bytes().startswith(codecs.BOM_UTF16_LE)

    assert [str(p) for p in check_file(path, "csv").problems] == [
        "The file looks like UTF-16 text without a byte-order mark. Please save it as “CSV UTF-8”."
    ]


def test_a_file_larger_than_the_limit_is_refused_unread(app, call, tmp_path):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    path = write(tmp_path, HEADER + "x" * (1024 * 1024))

    assert [str(p) for p in check_file(path, "csv").problems] == [
        "The file is larger than 1 MB. Please split the list into smaller files."
    ]


def test_a_100000_row_file_stops_after_the_row_limit_and_says_so(app, call, tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for number in range(100_000):
            handle.write(f"Expert Person,e{number}@example.org,georgia,ka:native,politics\n")
    app.config["IMPORT_MAX_ROWS"] = 1000

    report = check_file(path, "csv")

    assert [str(p) for p in report.problems] == [
        "The file has more than 1000 rows: only the first 1000 were read and nothing can be "
        "imported. Please split the list into files of at most 1000 rows."
    ]
    assert len(report.rows) == 1000
    assert report.rows[-1].line == 1001
    assert report.importable == 0
    with pytest.raises(ImportRefused):
        import_experts(path, "csv", by=None)
    assert db.session.scalar(select(func.count(Expert.id))) == 0


def test_a_failure_during_the_import_leaves_no_expert(app, call, monkeypatch):
    created = []
    real_create = importing._create

    def fail_on_the_third(*args):
        created.append(real_create(*args))
        if len(created) == 3:
            raise RuntimeError("disk full")
        return created[-1]

    monkeypatch.setattr(importing, "_create", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        import_experts(SAMPLES / "experts.csv", "csv", by=None)

    assert db.session.scalar(select(func.count(Expert.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_an_xlsx_formula_cell_and_a_damaged_workbook_are_refused(app, call, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["Nino Beridze", "n@example.org", "georgia", "ka:native", "=1+1"])
    workbook.save(tmp_path / "f.xlsx")
    report = check_file(tmp_path / "f.xlsx", "xlsx")
    assert [[str(x) for x in r.reasons] for r in report.rows] == [
        [
            "The column “topics” starts with “=”, which a spreadsheet runs as a formula. "
            "Please remove the sign or write the value as plain text.",
            "“=1+1” is not a topic of any call.",
        ]
    ]

    damaged = write(tmp_path, "not a workbook", "d.xlsx")
    assert [str(p) for p in check_file(damaged, "xlsx").problems] == [
        "We could not read this file as an Excel workbook. Please save it again as XLSX."
    ]


def test_other_columns_are_ignored_and_column_names_are_read_in_any_case(app, call, tmp_path):
    path = write(
        tmp_path,
        "Full_Name,EMAIL,Regions,languages,topics,Salary\n"
        "Nino Beridze,n@example.org,georgia,ka:native,politics,=1+1\n",
    )
    assert lines(check_file(path, "csv")) == [(2, "Nino Beridze", "n@example.org", "create", [])]


def test_a_workbook_with_more_rows_than_the_limit_stops_there_too(app, call, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER.strip().split(","))
    for number in range(50):
        sheet.append(["Expert Person", f"e{number}@example.org", "georgia", "ka:native", "media"])
    workbook.save(tmp_path / "big.xlsx")
    app.config["IMPORT_MAX_ROWS"] = 10

    report = check_file(tmp_path / "big.xlsx", "xlsx")

    assert [row.line for row in report.rows] == list(range(2, 12))
    assert [str(p) for p in report.problems] == [
        "The file has more than 10 rows: only the first 10 were read and nothing can be "
        "imported. Please split the list into files of at most 10 rows."
    ]
