"""Applications stored straight in the database, for tests of staff pages.

The applicant's form has tests of its own; staff pages only need someone to read.
"""

from __future__ import annotations

import os

from tracker.applications.submit import generate_reference
from tracker.models import (
    ApplicantSafety,
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Call,
    Document,
    utcnow,
)


def new_application(
    call: Call, /, *, region: str | None = None, regions=None, at_risk=False, **changes
) -> Application:
    """Return an unsaved application to *call* from Nino Beridze, with *changes* applied
    (``call=`` among them sends it to another call).

    *region* is a shorthand for one covered region, *regions* for several; *at_risk* for an
    applicant who said they could be at risk (and asked for nothing more). Call inside an
    app context; the caller adds and commits it.
    """
    covered = regions if regions is not None else [region or "georgia"]
    fields = {
        "call": call,
        "reference": generate_reference(),
        "form_token": os.urandom(12).hex(),
        "full_name": "Nino Beridze",
        "email": "nino@example.org",
        "country": "georgia",
        "covered_regions": [
            ApplicationRegion(region=key, position=position) for position, key in enumerate(covered)
        ],
        "city": "Kutaisi",
        "cover_letter": "Ich berichte aus Westgeorgien.",
        "links": [],
        "preferred_language": "de",
        "consent_at": utcnow(),
        "privacy_version": "test",
        "languages": [ApplicationLanguage(language="de", level="B2", position=0)],
        "topics": [ApplicationTopic(topic="politics")],
    }
    fields |= changes
    if at_risk:
        fields["safety"] = ApplicantSafety(call_id=fields["call"].id)
    return Application(**fields)


def new_document(kind: str = "cv", /, **changes) -> Document:
    """Return an unsaved plain-text document row of *kind*, with *changes* applied. Its
    storage key names no stored file unless the caller gives one that does."""
    fields = {
        "kind": kind,
        "filename": f"{kind}.txt",
        "file_type": "txt",
        "content_type": "text/plain",
        "size": 1,
        "sha256": "0" * 64,
        "storage_key": "0" * 32,
        "flags": [],
    }
    return Document(**(fields | changes))
