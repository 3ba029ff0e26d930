"""Editors ask for a machine-translated German preview of a cover letter or writing sample.

Staff only: a guest reviewer can never make the site send an applicant's text anywhere
(tracker.web.access answers 403). Every outcome ends on the candidate page with a message
in the editor's language; a failure stores nothing.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from tracker.extensions import db
from tracker.models import Document
from tracker.review import bp
from tracker.translation.client import TranslationFailed
from tracker.translation.endpoint import configured_endpoint
from tracker.translation.previews import PreviewRefused, request_preview
from tracker.web.access import staff

REFUSALS = {
    "off": lazy_gettext(
        "Machine translation is not available: it is not configured or not turned on."
    ),
    "kind": lazy_gettext("Only a cover letter or a writing sample can be machine-translated."),
    "no_text": lazy_gettext("This document has no text that could be translated."),
}
FAILURES = {
    "unreachable": lazy_gettext(
        "The translation service %(host)s could not be reached. "
        "Nothing was stored; please try again later."
    ),
    "timeout": lazy_gettext(
        "The translation service %(host)s did not answer in time. "
        "Nothing was stored; please try again later."
    ),
    "http_error": lazy_gettext(
        "The translation service %(host)s answered with an error. "
        "Nothing was stored; please try again later."
    ),
    "bad_response": lazy_gettext(
        "The translation service %(host)s sent an answer that is not a translation. "
        "Nothing was stored."
    ),
}


def _message(error: PreviewRefused | TranslationFailed) -> str:
    """Return what the editor is told: why nothing was sent, or how the service failed."""
    if isinstance(error, PreviewRefused):
        return str(REFUSALS[error.reason])
    # A failure means the service is configured: name it as the previews do.
    host = configured_endpoint(current_app.config).service_host
    return str(FAILURES[error.reason]) % {"host": host}


@bp.post("/documents/<int:document_id>/translation", endpoint="translate_document")
@staff
def translate_document(document_id: int):
    """Ask for (or reuse) the German preview of a document, then show the candidate page."""
    document = db.get_or_404(Document, document_id)
    try:
        preview, asked = request_preview(
            document, by=current_user._get_current_object(), config=current_app.config
        )
    except (PreviewRefused, TranslationFailed) as error:
        flash(_message(error), "error")
    else:
        if asked:
            flash(gettext("The machine translation into German is shown below."), "success")
        else:
            flash(gettext("This machine translation was stored already; nothing was sent."), "info")
    return redirect(_candidate_url(document))


def _candidate_url(document: Document) -> str:
    arguments = {"from": request.args["from"]} if request.args.get("from") else {}
    return url_for(
        "review.candidate",
        application_id=document.application_id,
        _anchor=f"panel-{document.kind}",
        **arguments,
    )
