"""The form for editing an email template: it validates, never persists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.mail.templates import BODY_MAX_LENGTH
from tracker.web.forms_common import SiteForm

# What each placeholder stands for, shown beside the form.
PLACEHOLDER_LABELS = {
    "first_name": _l("The applicant's first name, as they wrote it"),
    "full_name": _l("The applicant's full name"),
    "call_title": _l("The title of the call, in the email's language"),
    "reference": _l("The application's reference, such as CW-7K3P-Q9"),
    "status_link": _l("The link to the applicant's status page (include it in every email)"),
    "editor_name": _l("The name of the editor who sends the email"),
    "desk_email": _l("The desk's email address"),
    "site_name": _l("The name of the site"),
    "rejection_reason": _l("The reason for the rejection, as a sentence"),
    "retention_days": _l(
        "Days a withdrawn application is kept before it is erased (RETENTION_DAYS), as the "
        "privacy notice says; empty if it is kept"
    ),
    "version_note": _l(
        "For a 2nd (3rd …) application to the call, a sentence saying so; empty for the first. "
        "Where a template leaves it out, it follows the greeting."
    ),
    "assignment_title": _l("The working title of the assignment"),
    "assignment_brief": _l("The brief of the assignment, as the editor wrote it"),
    "fee": _l("The fee with its currency, as the recipient's language writes amounts"),
    "deadline": _l("The deadline in the expert's time zone, naming the zone"),
    "call_link": _l("The link to the new call's application form"),
}


class EmailTemplateForm(SiteForm):
    """Subject, text and optional HTML part of one template in one language.

    The template rules (placeholders, one-line subject) are checked by
    mail.templates.check_template, whose messages land on these fields.
    """

    # No length limit here beyond the domain's: its message says which limit.
    subject = StringField(_l("Subject"))
    body_text = TextAreaField(_l("Text"))
    body_html = TextAreaField(
        _l("HTML version (optional)"),
        validators=[Optional(), Length(max=BODY_MAX_LENGTH)],
    )

    def parts(self) -> dict[str, str | None]:
        """Return the subject, text and HTML part as the template store takes them."""
        return {
            "subject": self.subject.data or "",
            "body_text": self.body_text.data,
            "body_html": self.body_html.data,
        }
