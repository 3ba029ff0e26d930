"""Routes of the public pages: the open calls, the application form, thanks, privacy."""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from tracker.applications.form_tickets import (
    FormRefused,
    admit_form,
    form_token_of,
    issue_form_ticket,
)
from tracker.applications.people import mask_email
from tracker.applications.submit import (
    ApplicationData,
    DuplicateSubmission,
    SubmissionRejected,
    find_by_reference,
    submit_application,
)
from tracker.applications.versions import ordinal, version_number
from tracker.apply import bp
from tracker.apply.blank_form import blank_page
from tracker.apply.forms import build_application_form
from tracker.apply.steps import (
    answer_rows,
    browser_file_messages,
    carried_fields,
    ensure_ticket,
    field_named,
    follow_language,
    keep_uploads,
    kept_by_field,
    redisplay_button,
    redisplaying,
    show_refused_uploads,
)
from tracker.calls import call_by_slug, has_privacy_notice, list_open_calls
from tracker.extensions import csrf, limiter
from tracker.models import Application, Call, utcnow
from tracker.privacy_notice import notice_facts
from tracker.ui_languages import UI_LANGUAGES, localized
from tracker.web.access import public
from tracker.web.errors import seconds_to_wait, wait_advice
from tracker.web.forms_common import error_summary
from tracker.web.security import (
    applicant_email_key,
    application_stored,
    apply_limit_per_email,
    apply_limit_per_ip,
    note_application_stored,
    without_applicant_email,
)


def _expired_message() -> str:
    return _("This form has expired. Please check your answers and send it again.")


def _language() -> str:
    return str(get_locale())


def _rate_limit_exempt_email() -> bool:
    return redisplaying() or without_applicant_email()


def _get_call(slug: str, *, with_texts: bool = True) -> Call:
    call = call_by_slug(slug, with_texts=with_texts)
    if call is None:
        abort(404)
    return call


def _render_limited(_limit):
    """Show the form again with what was typed, the kept files and how long to wait (429)."""
    call = _get_call(request.view_args["slug"])
    form = build_application_form(call, _language())
    keep_uploads(form, ensure_ticket(form))
    show_refused_uploads(form)
    problem = _("This form has been sent too many times.") + " " + wait_advice(seconds_to_wait())
    page, _status = _render_form(call, form, problem=problem)
    return current_app.make_response((page, 429))


@bp.get("/")
@public
def index():
    """List the open calls, or go straight to the only one."""
    calls = list_open_calls()
    if len(calls) == 1:
        return redirect(url_for("apply.apply", slug=calls[0].slug))
    return render_template("apply/index.html", calls=calls)


# The form checks its own CSRF token (FlaskForm), so that an expired token is answered
# with the applicant's answers kept and a kind message, not the bare 400 of CSRFProtect.
@bp.route("/apply/<slug>", methods=["GET", "POST"])
@csrf.exempt
# Only submissions count (not a post that only asks for the form again, see steps.py): every
# one per client address, and per applicant address those that stored an application (see
# security.py). A refused one keeps what was typed.
@limiter.limit(
    apply_limit_per_ip,
    methods=["POST"],
    exempt_when=redisplaying,
    on_breach=_render_limited,
)
@limiter.limit(
    apply_limit_per_email,
    key_func=applicant_email_key,
    methods=["POST"],
    exempt_when=_rate_limit_exempt_email,
    deduct_when=application_stored,
    on_breach=_render_limited,
)
@public
def apply(slug: str):
    """Show the call and its form; take the answers, show them to check, send them."""
    # HEAD is answered like GET (Flask drops the body); only a POST is a submission.
    if request.method in ("GET", "HEAD"):
        return _render_blank(_get_call(slug))
    # Asked for again, the form shows the call's texts; a post that sends it, only if the
    # form comes back (read then).
    asked_again = redisplaying()
    call = _get_call(slug, with_texts=asked_again)
    if asked_again:
        return _redisplay(call)
    form = build_application_form(call, _language())
    try:
        form_token = admit_form(call, ticket=form.form_ticket.data, honeypot=form.website.data)
    except FormRefused as refusal:
        return _render_refused(call, form, refusal)
    except DuplicateSubmission as duplicate:
        return _to_thanks(call, duplicate.application)
    keep_uploads(form, form_token)
    if not form.validate():
        return _render_invalid(call, form)
    # A valid form is shown to check first; only the check page's button sends it.
    if "send" not in request.form:
        return _render_check(call, form)
    return _send(call, form, form_token)


def _send(call: Call, form, form_token: str):
    """Store the application (its documents are the kept files) and go to the thanks page."""
    try:
        application = submit_application(call, _answers(form), form_token=form_token)
        note_application_stored()
    except DuplicateSubmission as duplicate:
        application = duplicate.application
    except SubmissionRejected as rejection:
        return _render_rejected(call, form, rejection)
    return _to_thanks(call, application)


def _to_thanks(call: Call, application: Application):
    return redirect(url_for("apply.thanks", slug=call.slug, reference=application.reference))


def _render_refused(call: Call, form, refusal: FormRefused):
    """Show the form again with why it was refused; a fresh ticket keeps the chosen files."""
    if refusal.fresh_ticket:
        form.form_ticket.data = refusal.fresh_ticket
        # People get their files kept under the new ticket; a bot (the trap filled) not.
        if not form.website.data:
            keep_uploads(form, form_token_of(refusal.fresh_ticket))
            show_refused_uploads(form)
    return _render_form(call, form, problem=str(refusal.message))


def _render_blank(call: Call):
    """Show a new form with a fresh ticket, or the closed notice."""
    if not call.accepts_applications():
        return _render_closed(call)
    # The form's own CSRF token (FlaskForm's is generate_csrf's, once per request).
    page = blank_page(
        call,
        _language(),
        token=generate_csrf(),
        ticket=issue_form_ticket(),
        draw=lambda token, ticket: _draw_blank(call, token, ticket),
    )
    return page, 200


def _draw_blank(call: Call, token: str, ticket: str) -> str:
    """Draw the blank form with *token* as its CSRF token and *ticket* as its form ticket."""
    form = build_application_form(call, _language())
    form.preferred_language.data = _language()
    form.csrf_token.current_token = token
    form.form_ticket.data = ticket
    return _render_form(call, form)[0]


def _render_invalid(call: Call, form):
    """Show the form again with its errors (a lost CSRF token is said plainly)."""
    if form.csrf_token.errors:
        # The session's CSRF token is gone (cookie expired or cleared): say so plainly. The
        # ticket (and the files kept with it) stays while it is valid.
        ensure_ticket(form)
        return _render_form(call, form, problem=_expired_message())
    return _render_form(call, form)


def _render_rejected(call: Call, form, rejection: SubmissionRejected):
    """Show the form again with the reasons the submission was refused beside the fields."""
    for name, message in rejection.errors.items():
        field = field_named(form, name)
        if field is not None:
            field.errors = [*field.errors, str(message)]
    return _render_form(call, form, problem=str(rejection.errors.get("call", "")) or None)


def _redisplay(call: Call):
    """Show the form again with the posted answers and kept files: the one place for every
    button that asks for the form instead of sending it (see steps.REDISPLAY_BUTTONS).

    Nothing is validated or stored, and no rate limit is spent; only a file chosen in this
    post and refused is said to be refused. A switch on the check page comes back to it.
    """
    button = redisplay_button()
    if button == "switch_language":
        _switch_session_language(request.form.get("switch_language"))
    form = build_application_form(call, _language(), add_language_row=button == "add_language")
    if not call.accepts_applications():
        return _render_closed(call)
    keep_uploads(form, ensure_ticket(form))
    if button == "switch_language":
        follow_language(form, _language())
        if request.form.get("step") == "check" and form.validate():
            return _render_check(call, form)
    show_refused_uploads(form)
    return _render_form(call, form)


def _switch_session_language(chosen: str | None) -> None:
    if chosen in UI_LANGUAGES:
        session["lang"] = chosen
        refresh()  # Flask-Babel caches the request's locale; pick the new one up.


def _render_check(call: Call, form):
    """Show every answer to check, with "change" beside each, and the button that sends."""
    form.page_language.data = _language()
    return render_template(
        "apply/check.html",
        call=call,
        form=form,
        rows=answer_rows(form),
        carried=carried_fields(form),
        title=localized(call.title, _language()),
        language_switch_form="application-form",
    )


def _render_closed(call: Call):
    """Show the call's text and a notice instead of the form: it takes no applications now."""
    now = utcnow()
    return render_template(
        "apply/closed.html",
        call=call,
        title=localized(call.title, _language()),
        opens_later=call.is_open and call.opens_at is not None and now < call.opens_at,
        other_calls=[other for other in list_open_calls() if other.id != call.id],
    )


def _answers(form) -> ApplicationData:
    return ApplicationData(
        full_name=form.full_name.data,
        email=form.email.data,
        phone=form.phone.data,
        home_country=form.home_country.data,
        home_country_other=form.home_country_other.data,
        city=form.city.data,
        regions=list(form.regions.data),
        german_level=form.german_level.data,
        other_languages=form.other_language_rows(),
        topics=list(form.topics.data),
        cover_letter=form.cover_letter.data,
        writing_sample_url=form.writing_sample_url.data,
        links=form.link_list(),
        preferred_language=form.preferred_language.data,
        heard_about=form.heard_about.data,
        heard_about_other=form.heard_about_other.data,
        safety=form.safety.answers(),
    )


def _render_form(call: Call, form, problem: str | None = None):
    """Render the call page; with errors, a 400 whose summary links to each field."""
    errors = error_summary(form)
    status = 400 if (errors or problem) else 200
    form.page_language.data = _language()
    return (
        render_template(
            "apply/form.html",
            call=call,
            form=form,
            errors=errors,
            problem=problem,
            kept=kept_by_field(form),
            file_messages=browser_file_messages(),
            title=localized(call.title, _language()),
            language_switch_form="application-form",
        ),
        status,
    )


def _thanks_limit() -> str:
    return current_app.config["THANKS_LIMIT_PER_IP"]


# Real and unknown references answer 200 and 404: the limit keeps anyone from testing
# references in bulk (30⁶ of them), while an applicant may reload the page freely.
@bp.get("/apply/<slug>/thanks/<reference>")
@limiter.limit(_thanks_limit)
@public
def thanks(slug: str, reference: str):
    """Show the reference and what happens next: nothing personal, anyone may open it."""
    call = _get_call(slug, with_texts=False)
    application = find_by_reference(reference)
    if application is None or application.call_id != call.id:
        abort(404)
    version = version_number(application)
    # The address the confirmation went to, masked: the applicant recognises it, and
    # whoever else holds the link learns no address. Nothing else personal is shown.
    return render_template(
        "apply/thanks.html",
        reference=application.reference,
        title=localized(call.title, _language()),
        masked_email=mask_email(application.email),
        version=version,
        ordinal=ordinal(version, _language()),
    )


@bp.get("/privacy")
@public
def privacy():
    """Show the privacy notice: a configured file, or the built-in one filled from config."""
    path = current_app.config.get("PRIVACY_NOTICE_FILE")
    custom = Path(path).read_text(encoding="utf-8") if path else None
    return render_template(
        "apply/privacy.html",
        custom=custom,
        notice=None if custom else notice_facts(current_app.config),
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
    )


@bp.get("/privacy/<slug>")
@public
def call_privacy(slug: str):
    """Show a call's own privacy notice, or the site's notice if the call has none."""
    call = _get_call(slug)
    if not has_privacy_notice(call):
        return redirect(url_for("apply.privacy"))
    return render_template(
        "apply/privacy.html",
        custom_texts=call.privacy_notice,
        version=call.privacy_version or current_app.config["PRIVACY_NOTICE_VERSION"],
        call_title=localized(call.title, _language()),
        call=call,
    )
