"""What `python -m tests.benchmarks.instructions` counts: a whole submission, a page."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.benchmarks.instructions import instructions_counted, submit_one
from tests.benchmarks.pages import middle_application
from tracker.enums import EmailTemplateKey
from tracker.extensions import db
from tracker.models import Application, Document, OutboxEmail


def test_the_counted_work_stores_an_application_with_its_documents(client, call):
    submit_one(client, call.slug, 27)
    application = db.session.scalar(select(Application))
    assert application.full_name == "Nino Beridze-Ch"
    assert sorted(db.session.scalars(select(Document.filename))) == [
        "Anschreiben.docx",
        "Lebenslauf.pdf",
        "Probe.odt",
    ]
    acknowledgements = db.session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.template == EmailTemplateKey.ACKNOWLEDGEMENT.value)
    )
    assert acknowledgements == 1


def test_the_count_is_read_from_cachegrind_s_report():
    report = "==23452== \n==23452== I   refs:      7,187,961,608\n"
    assert instructions_counted(report) == 7_187_961_608


def test_the_candidate_page_is_counted_with_the_middle_application(make_application):
    ids = [make_application(email=f"p{number}@example.org").id for number in range(3)]
    assert middle_application() == ids[1]
