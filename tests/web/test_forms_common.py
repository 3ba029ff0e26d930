"""The one error summary of every form, and the one field of ticked ids."""

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, Form, FormField, StringField
from wtforms.validators import DataRequired

from tracker.inbox.query import SELECTION_MAX
from tracker.web.forms_common import IdListField, error_summary


class Row(Form):
    language = StringField("Language", validators=[DataRequired("Choose one.")])


class Sample(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Say your name.")])
    rows = FieldList(FormField(Row), min_entries=2)
    consent = BooleanField(
        "I agree to everything the long notice says.",
        description="Privacy notice",
        validators=[DataRequired("Please agree.")],
    )
    ids = IdListField(default=list)


def test_error_summary_lists_fields_in_order_with_nested_rows_and_short_labels(app):
    with app.test_request_context():
        form = Sample(
            formdata=MultiDict({"rows-0-language": "", "rows-1-language": "ka"}),
            meta={"csrf": False},
        )
        assert not form.validate()
        assert error_summary(form) == [
            ("name", "Full name", "Say your name."),
            ("rows-0-language", "Language", "Choose one."),
            ("consent", "Privacy notice", "Please agree."),
        ]


def test_error_summary_leaves_out_the_csrf_token(app):
    with app.test_request_context():
        form = Sample(
            formdata=MultiDict(
                {"name": "Nino", "consent": "y", "rows-0-language": "de", "rows-1-language": "ka"}
            )
        )
        assert not form.validate()
        assert form.csrf_token.errors
        assert error_summary(form) == []


def test_id_list_keeps_ids_once_and_drops_everything_else(app):
    values = ["3", "1", "3", "x", "-2", "1.5", "１", "12345678901", "7"]
    with app.test_request_context():
        form = Sample(formdata=MultiDict([("ids", v) for v in values]), meta={"csrf": False})
        assert form.ids.data == [3, 1, 7]
        many = Sample(
            formdata=MultiDict([("ids", str(n)) for n in range(SELECTION_MAX + 5)]),
            meta={"csrf": False},
        )
        assert len(many.ids.data) == SELECTION_MAX
