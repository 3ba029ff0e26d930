"""The plain widgets write exactly what WTForms' own widgets write."""

from __future__ import annotations

from flask_babel import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    Form,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.web.forms_common import SiteForm
from tracker.web.widgets import (
    PlainCheckboxInput,
    PlainSelectField,
    PlainStringField,
    PlainTextAreaField,
    html_params,
)

CHOICES = [
    SelectChoice("", "Choose"),
    SelectChoice("ka", "Georgian <ქართული>"),
    SelectChoice('"x"', Markup('<b class="k">bold</b>')),
    SelectChoice("hy", "Armenian", render_kw={"disabled": True, "data_note": 'a "b"'}),
]


class WTFormsForm(Form):
    language = SelectField(choices=CHOICES, validators=[DataRequired()])
    name = StringField()
    note = TextAreaField(validators=[DataRequired(), Length(min=2, max=2000)])
    topics = SelectMultipleField(
        choices=[SelectChoice("a", "A & B"), SelectChoice("b", "B")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class PlainForm(Form):
    language = PlainSelectField(choices=CHOICES, validators=[DataRequired()])
    name = PlainStringField()
    note = PlainTextAreaField(validators=[DataRequired(), Length(min=2, max=2000)])
    topics = SelectMultipleField(
        choices=[SelectChoice("a", "A & B"), SelectChoice("b", "B")],
        widget=ListWidget(prefix_label=False),
        option_widget=PlainCheckboxInput(),
    )


def test_html_params_writes_what_wtforms_writes():
    assert html_params(class_="input", data_max_size=3, aria_invalid="true", hidden=True) == (
        'aria-invalid="true" class="input" data-max-size="3" hidden'
    )
    assert html_params(value=Markup('a "b"'), required=False, title='<x> & "y"') == (
        'title="&lt;x&gt; &amp; &#34;y&#34;" value="a &quot;b&quot;"'
    )


def test_plain_widgets_write_the_same_markup_as_wtforms():
    data = MultiDict(
        [
            ("language", "ka"),
            ("name", 'Nino "N" <B>'),
            ("note", "<b>Keep</b>\r\nthis & that"),
            ("topics", "a"),
            ("topics", "b"),
        ]
    )
    ours, theirs = PlainForm(data), WTFormsForm(data)
    for field in ("language", "name", "note"):
        attributes = {"class": "select", "aria-describedby": "x-hint", "autocomplete": False}
        assert str(ours[field](**attributes)) == str(theirs[field](**attributes))
    assert str(ours.topics) == str(theirs.topics)
    assert str(ours.note(rows=2, maxlength=False)) == (
        '<textarea id="note" minlength="2" name="note" required rows="2">\r\n'
        "&lt;b&gt;Keep&lt;/b&gt;\r\nthis &amp; that</textarea>"
    )
    assert str(ours.note(rows=1)) == str(theirs.note(rows=1))
    assert 'maxlength="2000"' in str(ours.note(rows=1))
    assert str(ours.language()) == (
        '<select id="language" name="language" required><option value="">Choose</option>'
        '<option selected value="ka">Georgian &lt;ქართული&gt;</option>'
        '<option value="&#34;x&#34;"><b class="k">bold</b></option>'
        '<option data-note="a &#34;b&#34;" disabled value="hy">Armenian</option></select>'
    )
    ours.language.render_kw = theirs.language.render_kw = {"autofocus": True}
    assert str(ours.language()) == str(theirs.language())
    assert str(ours.language()).startswith('<select autofocus id="language"')


def test_a_lazy_option_label_is_translated_once_and_written_as_wtforms_writes_it():
    translated = []

    def translate(text):
        translated.append(text)
        return text.replace("yet", "<yet>")

    def form_class(field_class):
        label = LazyString(translate, "Can't judge yet")
        choices = [SelectChoice("", LazyString(translate, "")), SelectChoice("u", label)]
        return type("LazyForm", (Form,), {"score": field_class(choices=choices)})

    theirs = str(form_class(SelectField)().score())
    translated.clear()
    ours = str(form_class(PlainSelectField)().score())

    assert (
        ours
        == theirs
        == (
            '<select id="score" name="score"><option value=""></option>'
            '<option value="u">Can\'t judge <yet></option></select>'
        )
    )
    assert translated == ["", "Can't judge yet"]


def test_site_forms_write_hidden_fields_as_wtforms_writes_them(app):
    fields = {
        "filter": HiddenField(default='q=a&b="c"<d>'),
        "step": HiddenField(default="2", render_kw={"data_step": True}),
    }
    ours_class = type("OursForm", (SiteForm,), dict(fields))
    theirs_class = type("TheirsForm", (FlaskForm,), dict(fields))
    with app.test_request_context("/"):
        ours, theirs = ours_class(), theirs_class()
        for name in ("csrf_token", "filter", "step"):
            assert str(ours[name]) == str(theirs[name])
            assert str(ours[name](class_="x", disabled=True)) == str(
                theirs[name](class_="x", disabled=True)
            )
        assert str(ours.filter) == (
            '<input id="filter" name="filter" type="hidden" value="q=a&amp;b=&#34;c&#34;&lt;d&gt;">'
        )
        assert str(ours.step) == '<input data-step id="step" name="step" type="hidden" value="2">'
        assert str(ours.csrf_token).startswith(
            '<input id="csrf_token" name="csrf_token" type="hidden" value="'
        )
