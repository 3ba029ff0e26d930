"""The forms of the expert import: the upload, and the staged upload's token. They
validate, never persist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from tracker.web.forms_common import SiteForm


class ImportUploadForm(SiteForm):
    """A CSV or XLSX list of experts to check."""

    file = FileField(
        _l("List of experts (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Please choose a CSV or XLSX file."))],
    )


class StagedImportForm(SiteForm):
    """Import or discard the upload the token names."""

    token = HiddenField()
