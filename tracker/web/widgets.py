"""WTForms widgets that write exactly WTForms' own markup, without its cost per attribute.

WTForms writes every attribute through ``Markup.format`` (a string.Formatter that escapes
field by field) and builds every option of a select the same way: about 40 µs per option
or checkbox. The application form draws about 95 options and 30 checkboxes on every view,
a third of its drawing time. These widgets write the same bytes (attributes sorted by
name, True as a bare name, False left out, values escaped) with plain string joins.
"""

from __future__ import annotations

from flask_babel import LazyString
from markupsafe import Markup, escape
from wtforms import SelectField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, HiddenInput, Select, TextArea, TextInput
from wtforms.widgets.core import clean_key


def html_params(**kwargs) -> str:
    """Return HTML attributes as ``wtforms.widgets.html_params`` writes them."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(clean_key(key))
        elif value is not False:
            # As WTForms: a Markup value keeps its markup, but never a bare quote.
            params.append(f'{clean_key(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


class PlainSelect(Select):
    """A select (without option groups) written as `wtforms.widgets.Select` writes it."""

    def __call__(self, field, **kwargs):
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        for flag in self.validation_attrs:
            if flag not in kwargs and flag in vars(field.flags):
                kwargs[flag] = getattr(field.flags, flag)
        attributes = html_params(name=field.name, **kwargs)
        options = "".join(self.render_option(choice) for choice in field.iter_choices())
        # Every value and label went through escape() (html_params, render_option).
        return Markup(f"<select {attributes}>{options}</select>")  # noqa: S704

    @classmethod
    def render_option(cls, choice, **kwargs) -> str:
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        options = {"value": value, **(choice.render_kw or {}), **kwargs}
        if choice.selected:
            options["selected"] = True
        label = choice.label
        if isinstance(label, LazyString):
            # Translated once, not once to test it and again to write it; as markup, the
            # way escape() takes a lazy string (its __html__), so the bytes stay the same.
            label = Markup(str(label))  # noqa: S704 - what LazyString.__html__ gives escape()
        return f"<option {html_params(**options)}>{escape(label or choice.value)}</option>"


class PlainTextArea(TextArea):
    """A textarea written as `wtforms.widgets.TextArea` writes it."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and flag in vars(field.flags):
                kwargs[flag] = getattr(field.flags, flag)
        attributes = html_params(name=field.name, **kwargs)
        # The attributes and the text went through escape(); the line break is WTForms'.
        return Markup(f"<textarea {attributes}>\r\n{escape(field._value())}</textarea>")  # noqa: S704


class PlainTextInput(TextInput):
    """A text input written as `wtforms.widgets.TextInput` writes it."""

    html_params = staticmethod(html_params)


class PlainHiddenInput(HiddenInput):
    """A hidden input (a CSRF token, a kept filter) written as `wtforms.widgets.HiddenInput`
    writes it: SiteForm draws every hidden field with it (forms_common)."""

    html_params = staticmethod(html_params)


class PlainCheckboxInput(CheckboxInput):
    """A checkbox written as `wtforms.widgets.CheckboxInput` writes it."""

    html_params = staticmethod(html_params)


class PlainSelectField(SelectField):
    """A select field drawn by `PlainSelect`."""

    widget = PlainSelect()


class PlainTextAreaField(TextAreaField):
    """A textarea field drawn by `PlainTextArea`."""

    widget = PlainTextArea()


class PlainStringField(StringField):
    """A text field drawn by `PlainTextInput`."""

    widget = PlainTextInput()
