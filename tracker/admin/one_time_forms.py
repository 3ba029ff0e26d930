"""Forms whose answer shows a secret once (API tokens, webhooks' signing secrets), made
safe to reload."""

from __future__ import annotations

import secrets

from flask import session
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, ValidationError

# How many sent forms a session remembers (SentOnce): enough for any reload, and small.
SENT_FORMS_KEPT = 20


class SentOnce:
    """Mixed into a form whose sending creates a secret shown once (an API token, a
    webhook's signing secret).

    The answer to such a form shows the secret and is never stored, so reloading it sends
    the form again; its one-time field, remembered in the session once the form did its
    work, turns that second sending into a refusal instead of a second token.
    """

    once = HiddenField(default=lambda: secrets.token_urlsafe(16))

    def validate_once(self, field):
        """Refuse a form that did its work already."""
        if field.data in session.get("sent_forms", ()):
            raise ValidationError(
                _l(
                    "This form was sent already (the page was reloaded): nothing new was "
                    "created. Its secret is shown only once; if it was not copied, revoke "
                    "what was created and create a new one."
                )
            )

    def mark_sent(self) -> None:
        """Remember that this form did its work: sent again, it is refused."""
        sent = [*session.get("sent_forms", ()), self.once.data]
        session["sent_forms"] = sent[-SENT_FORMS_KEPT:]
