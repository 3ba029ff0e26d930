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

from tracker.applications.submit import (
    ApplicationData,
    DuplicateSubmission,
    FormRefused,
    SubmissionRejected,
    admit_form,
    find_by_reference,
    issue_form_ticket,
    submit_application,
)
from tracker.apply import bp
from tracker.apply.forms import build_application_form
from tracker.calls import list_open_calls, localized, privacy_notice_of
from tracker.extensions import csrf, db, limiter
from tracker.models import Call, utcnow
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


def _switching_language() -> bool:
    """Tell whether this POST is the language switcher, not a submission."""
    return request.method == "POST" and "switch_language" in request.form


def _rate_limit_exempt_email() -> bool:
    return _switching_language() or without_applicant_email()


def _get_call(slug: str) -> Call:
    return db.first_or_404(db.select(Call).where(Call.slug == slug))


def _render_limited(_limit):
    """Show the form again with what was typed and how long to wait (429; files not kept)."""
    call = _get_call(request.view_args["slug"])
    form = build_application_form(call, _language())
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
    return render_template("apply/index.html", calls=calls, localized=localized)


# The form checks its own CSRF token (FlaskForm), so that an expired token is answered
# with the applicant's answers kept and a kind message, not the bare 400 of CSRFProtect.
@bp.route("/apply/<slug>", methods=["GET", "POST"])
@csrf.exempt
# Only submissions count: every one per client address, and per applicant address those
# that stored an application (see security.py). A refused one keeps what was typed.
@limiter.limit(
    apply_limit_per_ip,
    methods=["POST"],
    exempt_when=_switching_language,
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
    """Show the call and its form; take a submission."""
    call = _get_call(slug)
    if _switching_language():
        return _switch_language(call)
    form = build_application_form(call, _language())
    # HEAD is answered like GET (Flask drops the body); only a POST is a submission.
    if request.method in ("GET", "HEAD"):
        return _render_blank(call, form)
    try:
        form_token = admit_form(call, ticket=form.form_ticket.data, honeypot=form.website.data)
    except FormRefused as refusal:
        form.form_ticket.data = refusal.fresh_ticket or form.form_ticket.data
        return _render_form(call, form, problem=str(refusal.message))
    if not form.validate():
        return _render_invalid(call, form)
    try:
        application = submit_application(
            call, _answers(form), form.attached_documents(), form_token=form_token
        )
        note_application_stored()
    except DuplicateSubmission as duplicate:
        application = duplicate.application
    except SubmissionRejected as rejection:
        return _render_rejected(call, form, rejection)
    return redirect(url_for("apply.thanks", slug=call.slug, reference=application.reference))


def _render_blank(call: Call, form):
    """Show a new form with a fresh ticket, or the closed notice."""
    if not call.accepts_applications():
        return _render_closed(call)
    form.preferred_language.data = _language()
    form.form_ticket.data = issue_form_ticket()
    return _render_form(call, form)


def _render_invalid(call: Call, form):
    """Show the form again with its errors (a lost CSRF token is said plainly)."""
    if form.csrf_token.errors:
        # The session's CSRF token is gone (cookie expired or cleared): say so plainly.
        form.form_ticket.data = issue_form_ticket()
        return _render_form(call, form, problem=_expired_message())
    return _render_form(call, form)


def _render_rejected(call: Call, form, rejection: SubmissionRejected):
    """Show the form again with the reasons the submission was refused beside the fields."""
    for name, message in rejection.errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, str(message)]
    return _render_form(call, form, problem=str(rejection.errors.get("call", "")) or None)


def _switch_language(call: Call):
    """Re-render the form with the posted answers in the chosen language.

    Nothing is validated or stored: the applicant only asked for another language. Files
    cannot be kept (a browser never re-fills a file input), and the page says so.
    """
    chosen = request.form.get("switch_language")
    if chosen in current_app.config["LANGUAGES"]:
        session["lang"] = chosen
        refresh()  # Flask-Babel caches the request's locale; pick the new one up.
    form = build_application_form(call, _language())
    if not form.form_ticket.data:
        form.form_ticket.data = issue_form_ticket()
    if not call.accepts_applications():
        return _render_closed(call)
    return _render_form(call, form, language_switched=True)


def _render_closed(call: Call):
    """Show the call's text and a notice instead of the form: it takes no applications now."""
    now = utcnow()
    return render_template(
        "apply/closed.html",
        call=call,
        title=localized(call.title, _language()),
        description=localized(call.description, _language()),
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
    )


def _render_form(call: Call, form, problem: str | None = None, *, language_switched=False):
    """Render the call page; with errors, a 400 whose summary links to each field."""
    errors = [] if language_switched else error_summary(form)
    status = 400 if (errors or problem) else 200
    return (
        render_template(
            "apply/form.html",
            call=call,
            form=form,
            errors=errors,
            problem=problem,
            files_sent=bool(request.files) and any(f.filename for f in request.files.values()),
            title=localized(call.title, _language()),
            description=localized(call.description, _language()),
            language_switch_form="application-form",
            language_switched=language_switched,
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
    call = _get_call(slug)
    application = find_by_reference(reference)
    if application is None or application.call_id != call.id:
        abort(404)
    return render_template(
        "apply/thanks.html",
        reference=application.reference,
        title=localized(call.title, _language()),
    )


@bp.get("/privacy")
@public
def privacy():
    """Show the privacy notice: a configured file, or the built-in text."""
    path = current_app.config.get("PRIVACY_NOTICE_FILE")
    custom = Path(path).read_text(encoding="utf-8") if path else None
    return render_template(
        "apply/privacy.html",
        custom=custom,
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
    )


@bp.get("/privacy/<slug>")
@public
def call_privacy(slug: str):
    """Show a call's own privacy notice, or the site's notice if the call has none."""
    call = _get_call(slug)
    notice = privacy_notice_of(call, _language())
    if notice is None:
        return redirect(url_for("apply.privacy"))
    return render_template(
        "apply/privacy.html",
        custom=notice,
        version=call.privacy_version or current_app.config["PRIVACY_NOTICE_VERSION"],
        call_title=localized(call.title, _language()),
        call=call,
    )
