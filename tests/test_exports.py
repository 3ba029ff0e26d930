"""Exports: the inbox's list as CSV/XLSX, neutralised cells, documents ZIP, CLI, audit."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, time

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import literal, select

from tests.conftest import hidden_fields
from tests.sql_log import statements_sent
from tracker.applications.ratings import add_rating
from tracker.documents.storage import new_staging_path, store_staged
from tracker.enums import Status
from tracker.exports import (
    EXPORT_COLUMNS,
    export_rows,
    neutralise,
    write_csv,
    write_xlsx,
)
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.models import AuditEvent, Document, Tag

HOSTILE = [
    '=HYPERLINK("http://x/?"&A1)',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    '=1+2";=1+2',
]
SCORES = {
    "regional_expertise": 5,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 4,
    "reliability": 2,
}


def csrf(client, lang: str = "en") -> str:
    """The form's token; the page, like any, sets the user's language (?lang=)."""
    return hidden_fields(client.get(f"/admin/export?lang={lang}").text)["csrf_token"]


def post_export(
    client,
    source: str = "",
    fmt: str = "csv",
    columns=EXPORT_COLUMNS,
    headers: str = "keys",
    lang: str = "en",
):
    return client.post(
        "/admin/export",
        data={
            "csrf_token": csrf(client, lang),
            "source": source,
            "format": fmt,
            "columns": list(columns),
            "headers": headers,
        },
    )


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.data)).active


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def store_document(application, kind: str, filename: str, content: bytes) -> Document:
    path = new_staging_path()
    path.write_bytes(content)
    key = store_staged(path)
    document = Document(
        application_id=application.id,
        kind=kind,
        filename=filename,
        file_type="txt",
        content_type="text/plain",
        size=len(content),
        sha256="0" * 64,
        storage_key=key,
    )
    db.session.add(document)
    db.session.commit()
    return document


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("Kutaisi", "Kutaisi"),
        ("", ""),
        ("a=1", "a=1"),
    ],
)
def test_neutralise_prefixes_every_formula_start(value, expected):
    assert neutralise(value) == expected


def test_csv_export_reads_back_hostile_cells_as_text(admin_client, make_application):
    made = [
        make_application(full_name=HOSTILE[i], city=HOSTILE[i + 1], email=f"h{i}@example.org")
        for i in range(0, len(HOSTILE), 2)
    ]
    response = post_export(admin_client, columns=["reference", "full_name", "city"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="candidates-{date.today().isoformat()}.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows == [
        ["reference", "full_name", "city"],
        *(
            [application.reference, "'" + application.full_name, "'" + application.city]
            for application in reversed(made)
        ),
    ]


def test_xlsx_export_writes_text_as_string_cells_without_a_prefix(admin_client, make_application):
    made = [
        make_application(full_name=HOSTILE[i], city=HOSTILE[i + 1], email=f"h{i}@example.org")
        for i in range(0, len(HOSTILE), 2)
    ]
    response = post_export(admin_client, fmt="xlsx", columns=["full_name", "city", "rating_count"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="candidates-{date.today().isoformat()}.xlsx"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    sheet = read_xlsx(response)
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["full_name", "city", "rating_count"],
        *([a.full_name, a.city, 0] for a in reversed(made)),
    ]
    for row in sheet.iter_rows(min_row=2):
        # A string cell: shown as typed, never evaluated as a formula.
        assert [cell.data_type for cell in row] == ["s", "s", "n"]


def test_column_picker_offers_every_column_ticked(admin_client, make_application):
    make_application(region="armenia")
    make_application()
    page = admin_client.get("/admin/export?from=region%3Darmenia%26sort%3Dname&lang=en").text
    boxes = re.findall(
        r'<input checked id="columns-[0-9]+" name="columns" type="checkbox" value="([a-z_]+)">',
        page,
    )
    assert boxes == list(EXPORT_COLUMNS)
    assert (
        '<input id="source" name="source" type="hidden" value="region=armenia&amp;sort=name">'
        in page
    )
    assert "1 candidate" in page
    headers = re.findall(
        r'<input (checked )?id="headers-[0-9]" name="headers" required type="radio" '
        r'value="([a-z]+)">',
        page,
    )
    assert headers == [("checked ", "people"), ("", "keys")]


def test_export_selects_exactly_what_the_inbox_filter_selects(admin_client, make_application):
    wanted = [
        make_application(region="armenia", status=Status.SHORTLISTED.value),
        make_application(region="armenia", status=Status.SHORTLISTED.value),
    ]
    make_application(region="armenia", status=Status.NEW.value)
    make_application(region="georgia", status=Status.SHORTLISTED.value)
    response = post_export(
        admin_client, source="region=armenia&status=shortlisted", columns=["reference"]
    )
    assert read_csv(response) == [["reference"], *([a.reference] for a in reversed(wanted))]


def test_every_column_is_filled_from_the_application(
    app, admin_client, make_application, make_user
):
    application = make_application(
        phone="+995 555",
        country="elsewhere",
        country_other="Germany",
        city="Berlin",
        regions=["chechnya", "ingushetia"],
    )
    editor = make_user("rater@example.org", name="Rater")
    application.assignee_id = editor.id
    application.tags = [Tag(name="photo")]
    db.session.commit()
    add_rating(application, by=editor, scores=SCORES, recommendation="yes")
    store_document(application, "cv", "cv.txt", b"CV text")
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org"
    rows = read_csv(post_export(admin_client))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert dict(zip(rows[0], rows[1], strict=True)) == {
        "reference": application.reference,
        "full_name": "Nino Beridze",
        "email": "nino@example.org",
        "phone": "'+995 555",
        "country": "elsewhere",
        "country_other": "Germany",
        "city": "Berlin",
        "regions": "chechnya; ingushetia",
        "languages": "German: B2 (upper intermediate)",
        "topics": "politics",
        "status": "new",
        "tags": "photo",
        "assignee": "Rater",
        "rating_count": "1",
        "rating_mean": "3.60",
        "mean_regional_expertise": "5.00",
        "mean_german_writing": "3.00",
        "mean_sourcing": "4.00",
        "mean_story_ideas": "4.00",
        "mean_reliability": "2.00",
        "received": application.created_at.date().isoformat(),
        "candidate_link": f"https://experts.example.org/review/applications/{application.id}",
        "documents": "cv",
    }


def test_editors_see_no_means_of_candidates_they_did_not_rate(app, make_application, make_user):
    application = make_application()
    colleague = make_user("colleague@example.org")
    editor = make_user("editor2@example.org")
    add_rating(application, by=colleague, scores=SCORES, recommendation="yes")
    with app.test_request_context():
        rows = list(
            export_rows(
                InboxFilter(), user=editor, columns=["rating_mean", "mean_sourcing"], headers="keys"
            )
        )
    assert rows == [["rating_mean", "mean_sourcing"], [None, None]]


def test_editors_may_not_export(editor_client, make_application):
    application = make_application()
    assert editor_client.get("/admin/export").status_code == 403
    token = hidden_fields(editor_client.get(f"/review/applications/{application.id}").text)
    response = editor_client.post(
        "/admin/export",
        data={"csrf_token": token["csrf_token"], "format": "csv", "columns": ["email"]},
    )
    assert response.status_code == 403


def test_unknown_column_is_refused(admin_client, make_application):
    make_application()
    response = post_export(admin_client, columns=["reference", "password_hash"])
    assert response.status_code == 400
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_export_is_audited_without_personal_data(admin_client, make_application):
    make_application(region="armenia", full_name="Secret Person", email="secret@example.org")
    post_export(admin_client, source="region=armenia", columns=["reference", "full_name"])
    post_export(admin_client, source="region=armenia", fmt="xlsx", columns=["email"])
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.application_id, e.details) for e in events] == [
        (
            "export.csv",
            admin_client.user.id,
            None,
            {
                "filter": "region=armenia",
                "rows": 1,
                "columns": ["reference", "full_name"],
                "headers": "keys",
            },
        ),
        (
            "export.xlsx",
            admin_client.user.id,
            None,
            {"filter": "region=armenia", "rows": 1, "columns": ["email"], "headers": "keys"},
        ),
    ]


def test_export_audit_redacts_whatever_could_name_someone(admin_client, make_application):
    make_application(full_name="Nino Beridze", region="armenia")
    source = (
        "q=Nino+Beridze&tag=Nino%27s+contacts&region=nino_beridze&topic=politics"
        "&language=ka&status=new&assignee=nobody&received_from=2020-01-01&sort=name&page=3"
    )
    assert post_export(admin_client, source=source, columns=["reference"]).status_code == 200
    post_export(admin_client, source="region=armenia&topic=Nino&language=Beridze")
    post_export(admin_client, source="language=other")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.details["filter"] for e in events] == [
        # Typed text is redacted; keys a call offers, codes, ids, dates and sort stay.
        "region=[redacted]&language=ka&topic=politics&tag=[redacted]&status=new"
        "&assignee=nobody&received_from=2020-01-01&q=[redacted]&sort=name",
        "region=armenia&language=[redacted]&topic=[redacted]",
        "language=other",
    ]


def test_documents_zip_holds_the_selected_candidates_files(storage, admin_client, make_application):
    first = make_application(region="armenia")
    other = make_application(region="georgia")
    store_document(first, "cv", "../../etc/Lebenslauf Nino.txt", b"first cv")
    store_document(first, "writing_sample", "sample.txt", b"first sample")
    store_document(other, "cv", "cv.txt", b"other cv")
    response = post_export(admin_client, source="region=armenia", fmt="documents")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="candidates-{date.today().isoformat()}-documents.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert contents == {
        f"{first.reference}/cv-_.._etc_Lebenslauf Nino.txt": b"first cv",
        f"{first.reference}/writing_sample-sample.txt": b"first sample",
    }
    event_ = db.session.scalars(select(AuditEvent)).one()
    assert (event_.action, event_.details) == (
        "export.documents",
        {"filter": "region=armenia", "rows": 1},
    )


def test_query_count_does_not_grow_with_rows(app, make_application, make_user):
    admin = make_user("boss@example.org", "admin")
    editor = make_user("rater@example.org")
    tag = Tag(name="photo")

    def queries_for(count: int) -> tuple[int, int]:
        for _ in range(count):
            application = make_application()
            application.tags = [tag]
            db.session.commit()
            add_rating(application, by=editor, scores=SCORES, recommendation="yes")
        with statements_sent() as statements, app.test_request_context():
            rows = list(export_rows(InboxFilter(), user=admin, batch=50))
        return len(rows), len(statements)

    rows_few, few = queries_for(3)
    rows_many, many = queries_for(30)  # 33 rows, still one batch
    assert (rows_few, rows_many) == (4, 34)
    assert few == many


def test_write_csv_streams_a_chunk_per_thousand_rows():
    rows = [["id", "note"], *([str(i), "x,y"] for i in range(2500))]
    chunks = list(write_csv(rows))
    assert [len(chunk.splitlines()) for chunk in chunks] == [1, 1000, 1000, 501]
    assert chunks[0] == "\ufeff"
    assert "".join(chunks[1:]) == "id,note\r\n" + "".join(f'{i},"x,y"\r\n' for i in range(2500))


def test_write_xlsx_drops_characters_xml_cannot_hold():
    buffer = io.BytesIO()
    assert write_xlsx([["name"], ["Ni\x00no\x07"]], buffer) == 1
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["name"], ["Nino"]]


def test_cli_writes_the_filtered_list_and_audits_it(app, runner, make_application, tmp_path):
    wanted = make_application(region="armenia", status="rejected", city="=cmd")
    make_application(region="armenia", status="new")
    make_application(region="georgia", status="rejected")
    output = tmp_path / "out.csv"
    result = runner.invoke(
        args=[
            "export",
            "applications",
            "--format",
            "csv",
            "--status",
            "rejected",
            "--region",
            "armenia",
            "--columns",
            "city,reference",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 1 application to" in result.output
    text = output.read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["reference", "city"],
        [wanted.reference, "'=cmd"],
    ]
    event_ = db.session.scalars(select(AuditEvent)).one()
    assert (event_.action, event_.actor_id, event_.details) == (
        "export.csv",
        None,
        {
            "filter": "region=armenia&status=rejected",
            "rows": 1,
            "columns": ["reference", "city"],
            "headers": "keys",
        },
    )


def test_cli_writes_xlsx(app, runner, make_application, tmp_path):
    application = make_application(full_name="@evil")
    output = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "applications",
            "--format",
            "xlsx",
            "--columns",
            "full_name",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["full_name"], ["@evil"]]
    assert application.full_name == "@evil"


def test_cli_refuses_an_unknown_column(app, runner, tmp_path):
    result = runner.invoke(
        args=["export", "applications", "--columns", "nope", "--output", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert "unknown columns: nope" in result.output


def test_languages_are_exported_in_words_with_an_unlisted_ones_name(
    app, admin_client, make_application
):
    from tracker.models import ApplicationLanguage

    make_application(
        languages=[
            ApplicationLanguage(language="de", level="native", position=0),
            ApplicationLanguage(language="other", level="B1", name="Udi", position=1),
            ApplicationLanguage(language="xmf", level="A2", position=2),
        ]
    )
    rows = read_csv(post_export(admin_client, columns=["languages"]))
    assert rows == [
        ["languages"],
        ["German: native; Udi: B1 (intermediate); Mingrelian: A2 (elementary)"],
    ]


ENGLISH_HEADERS = [
    "Reference",
    "Name",
    "Email",
    "Phone",
    "Country of residence",
    "Country of residence (as written)",
    "City",
    "Regions covered",
    "Languages",
    "Topics",
    "Status",
    "Tags",
    "Assignee",
    "Number of ratings",
    "Mean rating",
    "Mean: Regional expertise",
    "Mean: German writing",
    "Mean: Sources and access",
    "Mean: Story ideas",
    "Mean: Reliability",
    "Received",
    "Candidate page",
    "Documents",
]
# Needs the merged catalogue for "Mean: %(criterion)s" (tr14-exports.json).
GERMAN_HEADERS = [
    "Referenz",
    "Name",
    "E-Mail",
    "Telefon",
    "Wohnland",
    "Wohnland (wie angegeben)",
    "Ort",
    "Abgedeckte Regionen",
    "Sprachen",
    "Themen",
    "Status",
    "Schlagwörter",
    "Zuständig",
    "Anzahl der Bewertungen",
    "Durchschnittliche Bewertung",
    "Durchschnitt: Regionalkenntnis",
    "Durchschnitt: Deutsch schreiben",
    "Durchschnitt: Quellen und Zugang",
    "Durchschnitt: Themenideen",
    "Durchschnitt: Zuverlässigkeit",
    "Eingegangen",
    "Bewerbungsseite",
    "Unterlagen",
]


def test_headers_for_people_are_words_in_the_users_language(admin_client, make_application):
    make_application()
    rows = read_csv(post_export(admin_client, headers="people", lang="en"))
    assert rows[0] == ENGLISH_HEADERS
    sheet = read_xlsx(post_export(admin_client, fmt="xlsx", headers="people", lang="en"))
    assert [cell.value for cell in sheet[1]] == ENGLISH_HEADERS


def test_headers_for_people_in_german(admin_client, make_application):
    make_application()
    rows = read_csv(post_export(admin_client, headers="people", lang="de"))
    assert rows[0] == GERMAN_HEADERS


def test_criterion_headers_name_the_criteria_as_the_rating_form_does(app):
    from tracker.exports import CRITERION_COLUMNS, column_headers
    from tracker.labels import CRITERION_LABELS

    with app.test_request_context(), force_locale("en"):
        headers = column_headers(CRITERION_COLUMNS)
        assert headers == [f"Mean: {label}" for label in CRITERION_LABELS.values()]


def test_the_form_exports_headers_for_people_unless_keys_are_chosen(admin_client, make_application):
    make_application()
    token = csrf(admin_client)
    form = {"csrf_token": token, "format": "csv", "columns": ["reference", "rating_count"]}
    # Each streamed response is read before the next request.
    people = read_csv(admin_client.post("/admin/export", data={**form, "headers": "people"}))
    keys = read_csv(admin_client.post("/admin/export", data={**form, "headers": "keys"}))
    assert (people[0], keys[0]) == (
        ["Reference", "Number of ratings"],
        ["reference", "rating_count"],
    )
    refused = admin_client.post("/admin/export", data={**form, "headers": "latin"})
    assert refused.status_code == 400
    event_ = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    assert event_.details["headers"] == "people"
    assert len(db.session.scalars(select(AuditEvent)).all()) == 2


def test_xlsx_cells_are_typed_frozen_and_filtered(admin_client, make_application, make_user):
    rated = make_application(phone="+995 555", full_name="=cmd", city="12345")
    editor = make_user("rater@example.org", name="Rater")
    add_rating(rated, by=editor, scores=SCORES, recommendation="yes")
    newest = make_application(phone="0049 30 1234", full_name="Nino", email="n2@example.org")
    columns = ["reference", "full_name", "phone", "city", "rating_count", "rating_mean",
               "mean_sourcing", "received"]  # fmt: skip
    sheet = read_xlsx(post_export(admin_client, fmt="xlsx", columns=columns))
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    received = datetime.combine(rated.created_at.date(), time.min)
    assert values == [
        [newest.reference, "Nino", "0049 30 1234", "Kutaisi", 0, None, None,
         datetime.combine(newest.created_at.date(), time.min)],
        [rated.reference, "=cmd", "+995 555", "12345", 1, 3.6, 4.0, received],
    ]  # fmt: skip
    second = list(sheet.iter_rows(min_row=3))[0]
    assert [cell.data_type for cell in second] == ["s", "s", "s", "s", "n", "n", "n", "d"]
    assert isinstance(second[4].value, int)
    assert [second[5].number_format, second[7].number_format] == ["0.00", "yyyy-mm-dd"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H3"
    # 18 characters of the default font: Excel stores the width with its padding.
    assert sheet.column_dimensions["C"].width == 18.7109375
    assert [cell.font.b for cell in sheet[1]] == [True] * len(columns)


def test_both_formats_list_the_newest_first(admin_client, make_application):
    made = [make_application(email=f"n{i}@example.org") for i in range(3)]
    newest_first = [application.reference for application in reversed(made)]
    rows = read_csv(post_export(admin_client, columns=["reference"]))
    assert [row[0] for row in rows[1:]] == newest_first
    sheet = read_xlsx(post_export(admin_client, fmt="xlsx", columns=["reference"]))
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == newest_first


def test_newest_first_keeps_every_row_across_batches(app, make_application):
    made = [make_application(email=f"b{i}@example.org") for i in range(5)]
    with app.test_request_context():
        rows = list(export_rows(InboxFilter(), user=None, columns=["reference"], batch=2))
    assert rows[1:] == [[application.reference] for application in reversed(made)]


def test_text_rows_are_csv_cells_and_typed_rows_typed(app, make_application, make_user):
    application = make_application(phone="+995 555")
    add_rating(application, by=make_user(), scores=SCORES, recommendation="yes")
    other = make_application(phone=None)
    columns = ["phone", "rating_count", "rating_mean", "received"]
    with app.test_request_context():
        text = list(export_rows(InboxFilter(), user=None, columns=columns, headers="keys",
                                text=True))  # fmt: skip
        typed = list(export_rows(InboxFilter(), user=None, columns=columns, headers="keys"))
    day, other_day = application.created_at.date(), other.created_at.date()
    assert text == [
        columns,
        ["", 0, None, other_day.isoformat()],
        ["'+995 555", 1, "3.60", day.isoformat()],
    ]
    assert typed == [columns, ["", 0, None, other_day], ["+995 555", 1, 3.6, day]]


@pytest.mark.parametrize(
    "value", ["=1", "+1", "-1", "@x", "\t=1", "\r=1", "\n=1", "a=1", "", "#N/A"]
)
def test_the_sql_guard_is_neutralise(app, value):
    from tracker.exports.rows import guard

    assert db.session.scalar(select(guard(literal(value)))) == neutralise(value)


def test_cli_writes_headers_for_people_when_asked(app, runner, make_application, tmp_path):
    make_application(phone="+995 555")
    output = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=["export", "applications", "--format", "xlsx", "--columns", "phone,rating_count",
              "--headers", "people", "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        # Outside a request: the default language (German).
        ["Telefon", "Anzahl der Bewertungen"],
        ["+995 555", 0],
    ]
    assert db.session.scalars(select(AuditEvent)).one().details["headers"] == "people"
