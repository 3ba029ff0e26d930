"""The form that names an editor for applicants at risk, or takes one off the list."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import InputRequired

from tracker.web.forms_common import SiteForm


class EditorChoiceForm(SiteForm):
    """An editor's account, by id: the list offers only active editors, and the domain
    (tracker.applications.risk) refuses anyone else with a message."""

    user_id = IntegerField(validators=[InputRequired()])
