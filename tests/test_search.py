"""Full-text search: what a submission indexes, what a query finds, and what it never does."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, func, select

from tests.applying import application_form, post, sample
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import Application, Document, SearchEntry
from tracker.search import (
    index_application,
    matching_application_ids,
    rebuild_index,
    remove_application,
    search_terms,
    search_text,
)


def submit(client, call, **overrides) -> Application:
    """Apply through the form, then let the worker read the documents' text."""
    response = post(client, call, application_form(client, call, **overrides))
    assert response.status_code == 302, response.text
    reference = response.headers["Location"].rsplit("/", 1)[1]
    assert run_pending(kinds={"extract_text"}).done == 1
    return db.session.scalar(select(Application).where(Application.reference == reference))


def found(query: str) -> list[str]:
    """Return the names of the applications *query* finds, as the inbox would filter."""
    return list(
        db.session.scalars(
            select(Application.full_name)
            .where(Application.id.in_(matching_application_ids(query)))
            .order_by(Application.id)
        )
    )


def dialect() -> str:
    return db.engine.dialect.name


@pytest.fixture
def nino(client, call) -> Application:
    """The form's standard application: a CV PDF, an ODT writing sample, a typed letter."""
    return submit(client, call)


@pytest.fixture
def three(client, call, nino) -> list[Application]:
    """Nino, plus applicants writing their names and cities in Cyrillic and Armenian."""
    return [
        nino,
        submit(
            client,
            call,
            full_name="Нино Беридзе",
            email="nino.b@example.org",
            city="Кутаиси",
            cover_letter="Пишу о Западной Грузии и о порте в Поти.",
            links="",
            cv=(io.BytesIO(sample("writing_sample.txt")), "cv.txt"),
            writing_sample=None,
            writing_sample_url="https://example.org/poti",
        ),
        submit(
            client,
            call,
            full_name="Armen Petrosyan",
            email="armen@example.com",
            region="armenia",
            city="Գյումրի",
            cover_letter="Ich berichte aus Schirak über Landwirtschaft.",
            links="",
            cv=(io.BytesIO(sample("cover_letter.rtf")), "cv.rtf"),
            writing_sample=None,
            writing_sample_url="https://example.com/gyumri",
        ),
    ]


# --- what a submission stores -----------------------------------------------------------


def test_submission_stores_the_text_of_each_document(nino):
    texts = {document.kind: document.text for document in nino.documents}
    assert set(texts) == {"cv", "writing_sample"}
    assert texts["cv"].startswith(
        "Nino Beridze — ნინო ბერიძე\nFreelance journalist, Tbilisi\nExperience\n"
    )
    assert texts["writing_sample"].startswith(
        "Der Hafen von Anaklia: ein Projekt zwischen Ost und West\n\n"
        "Anaklia liegt am Schwarzen Meer, wenige Kilometer von der Waffenstillstandslinie"
    )


def test_submission_writes_one_search_entry_with_answers_and_documents(nino):
    (entry,) = db.session.scalars(select(SearchEntry)).all()
    cv, writing_sample = sorted(nino.documents, key=lambda document: document.id)
    assert entry.application_id == nino.id
    assert entry.body == "\n\n".join(
        [
            "Nino Beridze",
            "nino.beridze@example.org",
            "Kutaisi",
            "Ich schreibe seit zehn Jahren über Westgeorgien.",
            "https://example.org/anaklia",
            "https://example.org/kutaisi",
            cv.text,
            writing_sample.text,
        ]
    )
    assert entry.body == search_text(nino)


def test_a_cover_letter_file_is_searchable(client, call):
    submit(
        client,
        call,
        cover_letter="",
        cover_letter_file=(io.BytesIO(sample("cover_letter.docx")), "Anschreiben.docx"),
    )
    assert found("Energiepolitik") == ["Nino Beridze"]
    assert found("erschließen") == ["Nino Beridze"]


# --- finding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "correspondents",  # inside the CV PDF
        "Tiefwasserhafen",  # inside the ODT writing sample
        "Westgeorgien",  # the typed cover letter
        "westgeorgien",
        "WESTGEORGIEN",
        "ნინო ბერიძე",  # Georgian, in the CV
        "Kutaisi",
        "Nino Beridze",
        "beridze nino",  # every term, in any order
        "nino.beridze@example.org",
        "Kutai",  # the last term is also a prefix
        "Schwarzen Tiefwasser",
        "Beridze, Nino",
        "-Beridze",  # a minus is not a NOT
        "Nino*",  # nor is a star an operator
        '"Nino Beridze"',
    ],
)
def test_query_finds_the_application(nino, query):
    assert found(query) == ["Nino Beridze"]


def test_cyrillic_georgian_and_armenian_words_are_found_in_any_case(three):
    assert found("Кутаиси") == ["Нино Беридзе"]
    assert found("КУТАИСИ") == ["Нино Беридзе"]
    assert found("кута") == ["Нино Беридзе"]
    assert found("беридзе") == ["Нино Беридзе"]
    assert found("Поти") == ["Нино Беридзе"]
    assert found("ქუთაისი") == []  # nobody wrote the Georgian spelling of the city
    assert found("ნინო") == ["Nino Beridze"]
    assert found("Գյումրի") == ["Armen Petrosyan"]
    assert found("ԳՅՈՒՄՐԻ") == ["Armen Petrosyan"]
    assert found("Schirak") == ["Armen Petrosyan"]
    # Both Ninos wrote about the port of Anaklia (the second in her TXT CV).
    assert found("Anaklia") == ["Nino Beridze", "Нино Беридзе"]
    assert found("editors apply") == ["Armen Petrosyan"]  # inside the RTF CV


def test_a_georgian_city_is_found(client, call):
    submit(client, call, city="ქუთაისი")
    assert found("ქუთაისი") == ["Nino Beridze"]
    assert found("ქუთა") == ["Nino Beridze"]


def test_diacritics_are_ignored_on_sqlite_and_kept_on_postgresql(nino):
    assert found("über") == ["Nino Beridze"]
    assert found("ÜBER") == ["Nino Beridze"]
    # SQLite's tokenizer removes diacritics; PostgreSQL's "simple" configuration does not.
    assert found("uber") == (["Nino Beridze"] if dialect() == "sqlite" else [])


def test_every_term_must_match(nino):
    assert found("Nino Zurabishvili") == []
    assert found("Anaklia Batumi") == []


def test_a_one_letter_last_term_is_not_a_prefix(nino):
    assert found("N") == []
    assert found("Nino B") == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '""',
        "*",
        "%",
        "_",
        "%%",
        "-",
        "--",
        "'",
        "(",
        ")",
        "^",
        ":",
        "' OR '1'='1",
        "NEAR(",
        "NEAR(Nino Beridze)",
        "a AND",
        "Nino OR Zurab",
        "Nino NOT Beridze",
        "Nino AND NOT",
        "' OR 1=1 --",
        "'; DROP TABLE applications; --",
        "body:Nino xyz",
        "search_fts:Nino xyz",
        "{body} : Nino xyz",
        "Nino\x00 xyz",
        "N%no",
        "Ni_o",
        "\\",
        "\\'",
    ],
)
def test_operators_and_sql_in_a_query_are_words_and_match_nothing_else(three, query):
    assert found(query) == []
    assert db.session.scalar(select(func.count()).select_from(Application)) == 3


def test_a_query_of_only_punctuation_matches_nothing_instead_of_everything(three):
    assert search_terms("' \" * % _ -- ()") == []
    assert found("' \" * % _ -- ()") == []
    assert found("Nino ' \" * % _") == ["Nino Beridze", "Нино Беридзе"]


def test_an_apostrophe_inside_a_word_is_searched_as_written(client, call):
    submit(client, call, full_name="Seán O'Brien")
    assert found("O'Brien") == ["Seán O'Brien"]
    assert found("o'brien") == ["Seán O'Brien"]
    assert found("Sean" if dialect() == "sqlite" else "Seán") == ["Seán O'Brien"]


def test_a_very_long_query_is_cut_to_its_first_terms(nino):
    assert found("Nino " * 200) == ["Nino Beridze"]
    assert len(search_terms("word " * 200)) == 16


# --- the index follows the data --------------------------------------------------------------


def test_removing_an_entry_takes_the_application_out_of_search(three):
    nino = three[0]
    remove_application(nino.id)
    db.session.commit()
    assert found("Nino") == ["Нино Беридзе"]
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 2


def test_deleting_an_application_removes_its_words_from_the_index(three):
    nino = three[0]
    db.session.delete(nino)
    db.session.commit()
    # The raw id list, not joined with applications: no stale id is left in the index.
    assert list(db.session.scalars(matching_application_ids("Westgeorgien"))) == []
    assert list(db.session.scalars(matching_application_ids("Nino"))) == [three[1].id]


def test_index_application_replaces_the_body(nino):
    nino.cover_letter = "Ich schreibe über Swanetien."
    index_application(nino)
    db.session.commit()
    assert found("Swanetien") == ["Nino Beridze"]
    assert found("Westgeorgien") == []
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 1


def test_rebuild_restores_lost_entries_and_picks_up_changes(three):
    db.session.execute(delete(SearchEntry))
    db.session.execute(
        Application.__table__.update()
        .where(Application.id == three[2].id)
        .values(cover_letter="Ich berichte über den Sewansee.")
    )
    db.session.commit()
    assert found("Nino") == []

    assert rebuild_index(batch_size=2) == 3

    assert found("Nino") == ["Nino Beridze", "Нино Беридзе"]
    assert found("Sewansee") == ["Armen Petrosyan"]
    assert found("Schirak") == []
    bodies = dict(db.session.execute(select(SearchEntry.application_id, SearchEntry.body)).all())
    assert bodies == {
        application.id: search_text(application, sorted(application.documents, key=lambda d: d.id))
        for application in db.session.scalars(select(Application))
    }


def test_rebuild_uses_the_stored_document_text(nino):
    cv = next(document for document in nino.documents if document.kind == "cv")
    db.session.execute(
        Document.__table__.update().where(Document.id == cv.id).values(text="Swanetien")
    )
    db.session.commit()
    assert rebuild_index() == 1
    assert found("Swanetien") == ["Nino Beridze"]
    assert found("correspondents") == []


def test_search_rebuild_command_reports_the_count(runner, three):
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output == "Indexed 3 applications.\n"
    assert found("Գյումրի") == ["Armen Petrosyan"]


def test_the_body_is_capped_in_bytes_without_splitting_a_character(app, client, call):
    application = submit(client, call, full_name="Нино Беридзе")
    app.config["SEARCH_BODY_MAX_BYTES"] = 10
    assert search_text(application) == "Нино "  # 9 bytes: the half "Б" is dropped
    app.config["SEARCH_BODY_MAX_BYTES"] = 23
    assert search_text(application) == "Нино Беридзе"


# --- the database uses its index ---------------------------------------------------------------


def test_the_query_uses_the_full_text_index(nino):
    statement = select(Application.id).where(
        Application.id.in_(matching_application_ids("Kutaisi Nino"))
    )
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection()
    if dialect() == "sqlite":
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        assert any("VIRTUAL TABLE INDEX" in line and "search_fts" in line for line in plan), plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}")]
        assert any("ix_search_entries_tsv" in line for line in plan), plan
