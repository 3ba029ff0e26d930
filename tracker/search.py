"""Full-text search over applications: the one module that knows how it is done.

Each application has one `SearchEntry` whose body holds everything an editor may look for:
name, email, city, cover letter, links and the text extracted from its documents. SQLite
indexes the bodies with an FTS5 table (unicode61 tokenizer: case- and diacritics-blind,
Cyrillic, Georgian and Armenian are letters like any other) kept in step by triggers;
PostgreSQL with a GIN index on ``to_tsvector('simple', body)``. Both are declared in
models.py and migration 0002.

What a user types is never part of the SQL: it is split into terms, each term is passed as
a quoted string inside one bound parameter (FTS5) or through PostgreSQL's own query
parsers, so quotes, ``*``, ``-``, ``AND``, ``NEAR(`` and SQL fragments are searched for as
words and never change the meaning of the query. All terms must match; the last one also
matches as a prefix, so ``Kuta`` finds Kutaisi while it is being typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    column,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    update,
)

from tracker.database import begin_write
from tracker.extensions import db
from tracker.models import Application, Document, SearchEntry

# A search box is not a place for essays: more terms only make the query slower.
MAX_TERMS = 16
# A one-letter prefix matches a large part of the vocabulary; only longer ones expand.
MIN_PREFIX_LENGTH = 2
REBUILD_BATCH_SIZE = 500
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# The FTS5 table and its hidden column of the same name, which MATCH takes on its left.
_fts = table("search_fts", column("rowid", Integer), column("search_fts"))
# The exact expression of the GIN index ix_search_entries_tsv: the configuration must be
# a literal, not a bound parameter, or PostgreSQL does not recognise the index.
_SIMPLE = literal_column("'simple'")


def search_text(application: Any, documents: Iterable[Any] | None = None) -> str:
    """Return the searchable body of *application*: its answers and its documents' text.

    *application* needs the attributes ``full_name``, ``email``, ``city``,
    ``country_other``, ``cover_letter``, ``writing_sample_url`` and ``links`` (a model
    or a row); *documents* (default: ``application.documents``) need ``text``. The
    applicant's own fields come first, so the cap at ``SEARCH_BODY_MAX_BYTES`` (UTF-8)
    only ever shortens document text.
    """
    if documents is None:
        documents = application.documents
    parts = [
        application.full_name,
        application.email,
        application.city,
        application.country_other,
        application.cover_letter,
        application.writing_sample_url,
        *(application.links or ()),
        *(document.text for document in documents),
    ]
    body = "\n\n".join(part.strip() for part in parts if part and part.strip())
    limit = int(current_app.config["SEARCH_BODY_MAX_BYTES"])
    if len(body) * 4 <= limit:  # no UTF-8 character is longer than four bytes
        return body
    # "ignore" drops the partial character a byte cut can leave at the end.
    return body.encode()[:limit].decode("utf-8", "ignore")


def index_application(application: Application) -> None:
    """Write (insert or replace) the search entry of *application*, in the session's
    transaction; the caller commits."""
    if application.id is None:
        db.session.flush()
    body = search_text(application)
    exists = db.session.scalar(
        select(SearchEntry.application_id).where(SearchEntry.application_id == application.id)
    )
    # Core statements, not a SearchEntry object: the session holds no stale copy of the
    # body, and SQLite's triggers update the FTS index as part of the same statement.
    if exists is None:
        db.session.execute(insert(SearchEntry).values(application_id=application.id, body=body))
    else:
        db.session.execute(
            update(SearchEntry)
            .where(SearchEntry.application_id == application.id)
            .values(body=body)
        )


def index_new_application(application: Application) -> None:
    """Write the search entry of an application inserted in this transaction: it has none
    yet, and no document text (the extract_text job indexes it again once that is read)."""
    body = search_text(application, documents=())
    db.session.execute(insert(SearchEntry).values(application_id=application.id, body=body))


def remove_application(application_id: int) -> None:
    """Delete the search entry of an application (in the session's transaction).

    Deleting the application itself removes its entry too (ON DELETE CASCADE, and on
    SQLite the delete trigger takes its words out of the FTS index).
    """
    db.session.execute(delete(SearchEntry).where(SearchEntry.application_id == application_id))


def search_terms(query: str) -> list[str]:
    """Split what the user typed into terms: words and punctuation-joined runs such as
    ``O'Brien`` or ``nino.beridze@example.org``; a run without any letter or digit is
    dropped (it could only match everything or nothing)."""
    # Control characters and lone surrogates separate words: NUL would end the FTS5 query
    # string early (a syntax error) and cannot be sent to PostgreSQL at all.
    cleaned = _UNPRINTABLE.sub(" ", query or "")
    terms = [term for term in cleaned.split() if any(char.isalnum() for char in term)]
    return terms[:MAX_TERMS]


def matching_application_ids(query: str) -> Select:
    """Return a SELECT of the ids of applications matching *query*, for
    ``Application.id.in_(...)``.

    Every term must occur (case-insensitively; on SQLite also ignoring diacritics); the
    last term also matches as a prefix. A query without any word matches nothing.
    """
    terms = search_terms(query)
    if not terms:
        return select(SearchEntry.application_id).where(false())
    last = terms[-1]
    prefix = last.isalnum() and len(last) >= MIN_PREFIX_LENGTH
    if db.session.get_bind().dialect.name == "postgresql":
        return _postgres_matches(terms, prefix)
    return _sqlite_matches(terms, prefix)


def _sqlite_matches(terms: list[str], prefix: bool) -> Select:
    # Each term becomes an FTS5 string ("…", quotes doubled): inside a string nothing is
    # syntax, and the tokenizer splits it exactly as it split the indexed text, so
    # O'Brien is the phrase "o brien". Strings side by side are ANDed.
    phrases = ['"' + term.replace('"', '""') + '"' for term in terms]
    if prefix:
        phrases[-1] += "*"
    match = bindparam("search_query", " ".join(phrases), unique=True)
    return select(_fts.c.rowid).where(_fts.c.search_fts.op("MATCH")(match))


def _postgres_matches(terms: list[str], prefix: bool) -> Select:
    # plainto_tsquery parses plain text with the same parser as the index: no operator a
    # user types means anything to it. A prefix needs to_tsquery's syntax; the term is
    # letters and digits only (checked by the caller), quoted all the same.
    words = terms[:-1] if prefix else terms
    queries = []
    if words:
        queries.append(
            func.plainto_tsquery(_SIMPLE, bindparam("search_words", " ".join(words), unique=True))
        )
    if prefix:
        quoted = "'" + terms[-1].replace("\\", "\\\\").replace("'", "''") + "':*"
        queries.append(func.to_tsquery(_SIMPLE, bindparam("search_prefix", quoted, unique=True)))
    tsquery = queries[0] if len(queries) == 1 else queries[0].op("&&")(queries[1])
    vector = func.to_tsvector(_SIMPLE, SearchEntry.body)
    # MATERIALIZED: the matches come from the GIN index once. Inlined, the planner may walk
    # the inbox's order instead and compute to_tsvector for every row it passes (0.6 s for a
    # word in 1 % of 100,000 applications, against 10 ms this way).
    matches = (
        select(SearchEntry.application_id)
        .where(vector.op("@@")(tsquery))
        .cte()
        .prefix_with("MATERIALIZED")
    )
    return select(matches.c.application_id)


def rebuild_index(*, batch_size: int = REBUILD_BATCH_SIZE) -> int:
    """Recompute the search entry of every application; return how many were indexed.

    Use after changing what `search_text` includes or how documents are read. Works in
    batches of *batch_size* applications, committing each, so memory stays flat and no
    lock is held for long. On SQLite the FTS index is then rebuilt from the entries,
    which also repairs an index that drifted from its table.
    """
    count = 0
    last_id = 0
    fields = (
        Application.id,
        Application.full_name,
        Application.email,
        Application.city,
        Application.country_other,
        Application.cover_letter,
        Application.writing_sample_url,
        Application.links,
    )
    while True:
        # BEGIN IMMEDIATE on SQLite: this batch reads, then writes (see begin_write).
        begin_write()
        rows = db.session.execute(
            select(*fields)
            .where(Application.id > last_id)
            .order_by(Application.id)
            .limit(batch_size)
        ).all()
        if not rows:
            db.session.commit()
            break
        ids = [row.id for row in rows]
        texts: dict[int, list[Any]] = {application_id: [] for application_id in ids}
        for document in db.session.execute(
            select(Document.application_id, Document.text)
            .where(Document.application_id.in_(ids))
            .order_by(Document.application_id, Document.id)
        ):
            texts[document.application_id].append(document)
        bodies = {row.id: search_text(row, texts[row.id]) for row in rows}
        existing = dict(
            db.session.execute(
                select(SearchEntry.application_id, SearchEntry.body).where(
                    SearchEntry.application_id.in_(ids)
                )
            ).all()
        )
        changed = [
            {"application_id": application_id, "body": body}
            for application_id, body in bodies.items()
            if application_id in existing and existing[application_id] != body
        ]
        missing = [
            {"application_id": application_id, "body": body}
            for application_id, body in bodies.items()
            if application_id not in existing
        ]
        if changed:
            db.session.execute(update(SearchEntry), changed)
        if missing:
            db.session.execute(insert(SearchEntry), missing)
        db.session.commit()
        count += len(rows)
        last_id = ids[-1]
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        db.session.commit()
    return count
