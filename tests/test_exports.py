"""Exports: the inbox's list as CSV/XLSX, neutralised cells, documents ZIP, CLI, audit."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from tests.conftest import hidden_fields
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


def csrf(client) -> str:
    return hidden_fields(client.get("/admin/export").text)["csrf_token"]


def post_export(client, source: str = "", fmt: str = "csv", columns=EXPORT_COLUMNS):
    return client.post(
        "/admin/export",
        data={
            "csrf_token": csrf(client),
            "source": source,
            "format": fmt,
            "columns": list(columns),
        },
    )


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
            for application in made
        ),
    ]


def test_xlsx_export_writes_every_cell_as_a_string(admin_client, make_application):
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
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["full_name", "city", "rating_count"],
        *(["'" + a.full_name, "'" + a.city, "0"] for a in made),
    ]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type == "s"
        assert row[0].value.startswith("'")
        assert row[1].value.startswith("'")


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
    assert read_csv(response) == [["reference"], *([a.reference] for a in wanted)]


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
            export_rows(InboxFilter(), user=editor, columns=["rating_mean", "mean_sourcing"])
        )
    assert rows == [["rating_mean", "mean_sourcing"], ["", ""]]


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
            {"filter": "region=armenia", "rows": 1, "columns": ["reference", "full_name"]},
        ),
        (
            "export.xlsx",
            admin_client.user.id,
            None,
            {"filter": "region=armenia", "rows": 1, "columns": ["email"]},
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


def test_documents_zip_holds_the_selected_candidates_files(admin_client, make_application):
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
        statements = []

        def record(*args):
            statements.append(args)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with app.test_request_context():
                rows = list(export_rows(InboxFilter(), user=admin, batch=50))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(rows), len(statements)

    rows_few, few = queries_for(3)
    rows_many, many = queries_for(30)  # 33 rows, still one batch
    assert (rows_few, rows_many) == (4, 34)
    assert few == many


def test_write_csv_streams_one_line_per_row():
    chunks = list(write_csv([["a", "b"], ["=1", "x,y"]]))
    assert chunks == ["\ufeff", "a,b\r\n", '\'=1,"x,y"\r\n']


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
        {"filter": "region=armenia&status=rejected", "rows": 1, "columns": ["reference", "city"]},
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
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["full_name"], ["'@evil"]]
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
