"""The admin page of the expert import: upload → dry run → import, and the CLI."""

from __future__ import annotations

import html
import io
import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from tests.conftest import hidden_fields
from tracker.experts.staging import remove_expired
from tracker.extensions import db
from tracker.models import Expert

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def staged(app) -> list[str]:
    folder = Path(app.config["IMPORT_STAGING_DIR"])
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def upload(client, name: str, content: bytes | None = None):
    """Post a file to the import page; return the response (not followed)."""
    form = hidden_fields(client.get("/admin/experts/import?lang=en").text)
    data = content if content is not None else (SAMPLES / name).read_bytes()
    form["file"] = (io.BytesIO(data), name)
    # Built here to be closed here: a large body is spooled to a temporary file.
    builder = EnvironBuilder(
        path="/admin/experts/import",
        query_string="lang=en",
        method="POST",
        data=form,
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def table_rows(page: str) -> list[list[str]]:
    """Return the report table's rows as lists of cell texts."""
    body = page.split('<table class="table import-report">', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr class=\"import-[a-z]+\">(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", " ", cell)).split() for cell in cells])
    return [[" ".join(words) for words in cells] for cells in rows]


@pytest.mark.parametrize("name", ["experts.csv", "experts.xlsx"])
def test_an_admin_uploads_sees_the_dry_run_imports_and_sees_the_result(
    app, admin_client, call, name
):
    response = upload(admin_client, name)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/experts/import/check?t=")
    assert len(staged(app)) == 1
    assert db.session.scalar(select(func.count(Expert.id))) == 0

    page = admin_client.get(response.headers["Location"] + "&lang=en").text
    assert name in page
    assert table_rows(page) == [
        ["2", "Nino Beridze", "nino.beridze@example.org", "Create", ""],
        ["3", "Армен Саргсян", "armen.sargsyan@example.org", "Create", ""],
        ["4", "Leyla Mammadova", "leyla.mammadova@example.org", "Create", ""],
        [
            "5",
            "Giorgi Kapanadze",
            "",
            "Refused",
            "“giorgi@example” is not an email address we can write to.",
        ],
        [
            "6",
            "Zurab Tsereteli",
            "zurab@example.org",
            "Refused",
            "“mars” is not a region of any call.",
        ],
        [
            "7",
            "Tamar Lomidze",
            "tamar@example.org",
            "Refused",
            "“fluent” is not a level: write one of A1, A2, B1, B2, C1, C2, native.",
        ],
        [
            "8",
            "Ali Aliyev",
            "nino.beridze@example.org",
            "Refused",
            "The address nino.beridze@example.org is already on line 2.",
        ],
        [
            "9",
            "Eka Gelashvili",
            "eka@example.org",
            "Refused",
            "“sports” is not a topic of any call.",
        ],
        [
            "10",
            "Lasha Abashidze",
            "lasha@example.org",
            "Refused",
            "The column “city” starts with “=”, which a spreadsheet runs as a formula. Please "
            "remove the sign or write the value as plain text.",
        ],
    ]
    assert "Import 3 experts" in page

    done = admin_client.post("/admin/experts/import/run?lang=en", data=hidden_fields(page))
    assert done.headers["Location"] == "/admin/experts/import"
    result = admin_client.get("/admin/experts/import?lang=en").text
    assert "Import done: 3 experts created, 0 completed, 0 unchanged, 6 rows refused." in result
    assert [e.email for e in db.session.scalars(select(Expert).order_by(Expert.id))] == [
        "nino.beridze@example.org",
        "armen.sargsyan@example.org",
        "leyla.mammadova@example.org",
    ]
    assert staged(app) == []

    # The same token again: the upload is gone, nothing happens twice.
    admin_client.post("/admin/experts/import/run?lang=en", data=hidden_fields(page))
    again = admin_client.get("/admin/experts/import?lang=en").text
    assert (
        "Nothing was imported: This upload has expired or was already imported. Please upload "
        "the file again." in again
    )
    assert db.session.scalar(select(func.count(Expert.id))) == 3


def test_a_refused_file_shows_why_and_offers_no_import(app, admin_client, call):
    response = upload(admin_client, "list.csv", b"full_name,email\nNino,n@example.org\n")
    page = admin_client.get(response.headers["Location"] + "&lang=en").text

    assert "This file cannot be imported" in page
    assert (
        "The first row must name the columns full_name, email, regions, languages, topics; "
        "it lacks regions, languages, topics." in page
    )
    assert "Import 0" not in page
    assert "/admin/experts/import/run" not in page

    admin_client.post("/admin/experts/import/discard?lang=en", data=hidden_fields(page))
    assert staged(app) == []
    assert "The upload was discarded; nothing was imported." in (
        admin_client.get("/admin/experts/import?lang=en").text
    )


def test_only_csv_and_xlsx_files_are_taken(app, admin_client, call):
    response = upload(admin_client, "list.txt", b"hello")

    assert response.status_code == 400
    assert (
        "Please choose a CSV or XLSX file (the list saved as “CSV UTF-8” or as Excel)."
        in response.text
    )
    assert staged(app) == []


def test_an_upload_larger_than_the_limit_is_not_kept(app, admin_client, call):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    response = upload(admin_client, "big.csv", b"x" * (1024 * 1024 + 1))

    assert response.status_code == 400
    assert "The file is larger than 1 MB. Please split the list into smaller files." in (
        response.text
    )
    assert staged(app) == []


def test_an_expired_or_forged_token_sends_the_admin_back_to_the_upload(app, admin_client, call):
    response = admin_client.get("/admin/experts/import/check?t=forged&lang=en")
    assert response.headers["Location"] == "/admin/experts/import"
    assert (
        "This upload has expired or was already imported. Please upload the file again."
        in admin_client.get("/admin/experts/import?lang=en").text
    )


def test_uploads_older_than_the_limit_are_removed(app, admin_client, call):
    upload(admin_client, "experts.csv")
    (name,) = staged(app)
    path = Path(app.config["IMPORT_STAGING_DIR"]) / name
    an_hour_ago = time.time() - 61 * 60
    os.utime(path, (an_hour_ago, an_hour_ago))

    assert remove_expired() == 1
    assert staged(app) == []

    # A later upload removes what has waited too long before keeping itself.
    upload(admin_client, "experts.csv")
    (old,) = staged(app)
    os.utime(Path(app.config["IMPORT_STAGING_DIR"]) / old, (an_hour_ago, an_hour_ago))
    upload(admin_client, "experts.xlsx")
    assert len(staged(app)) == 1
    assert staged(app)[0].endswith(".xlsx")


def test_the_cli_reports_asks_and_imports(app, runner, call):
    sample = str(SAMPLES / "experts.csv")
    dry = runner.invoke(args=["experts", "import", sample, "--dry-run"])
    assert dry.exit_code == 3
    assert dry.output.splitlines()[0] == "Line 2: create: Nino Beridze <nino.beridze@example.org>"
    assert dry.output.splitlines()[4] == (
        "Line 6: refused: Zurab Tsereteli <zurab@example.org>: “mars” is not a region of any call."
    )
    assert dry.output.splitlines()[-1] == "3 to create, 0 to update, 0 unchanged, 6 refused."

    declined = runner.invoke(args=["experts", "import", sample], input="n\n")
    assert declined.exit_code == 1
    assert "Import 3 experts? [y/N]: n" in declined.output
    assert db.session.scalar(select(func.count(Expert.id))) == 0

    done = runner.invoke(args=["experts", "import", sample, "--yes"])
    assert done.exit_code == 3
    assert done.output.splitlines()[-1] == (
        "Imported: 3 created, 0 updated, 0 unchanged, 6 refused."
    )
    assert db.session.scalar(select(func.count(Expert.id))) == 3

    german = runner.invoke(args=["experts", "import", sample, "--dry-run", "--language", "de"])
    assert german.exit_code == 1
    assert "Nothing can be imported." in german.output


def test_the_cli_exit_code_is_0_when_every_row_is_good_and_1_for_a_refused_file(
    app, runner, call, tmp_path
):
    good = tmp_path / "good.csv"
    good.write_text("full_name,email,regions,languages,topics\nNino,n@example.org,georgia,,\n")
    assert runner.invoke(args=["experts", "import", str(good), "--yes"]).exit_code == 0

    bad = tmp_path / "bad.csv"
    bad.write_text("full_name\nNino\n")
    result = runner.invoke(args=["experts", "import", str(bad), "--yes"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "File: The first row must name the columns full_name, email, regions, languages, "
        "topics; it lacks email, regions, languages, topics."
    )
