"""The applicant's status page, withdrawal, and a new link for a lost or expired one.

The page is reached only through a signed link (see applications.status_links): a forged,
expired, rotated or erased link gets the same "link does not work" page, which offers a
new link. The new link goes to the address the application was made with, and the page
answers the same whether or not that address applied, so it tells nobody who applied.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker import privacy
from tracker.applications import pipeline
from tracker.applications.pipeline import TransitionError
from tracker.applications.status_links import (
    StatusLinkError,
    can_withdraw,
    check_status_token,
    sent_emails,
    stage_of,
    stage_steps,
)
from tracker.extensions import csrf, limiter
from tracker.mail.compose import reissue_status_links
from tracker.models import Application
from tracker.portal import bp
from tracker.portal.forms import ErasureConfirmForm, ErasureRequestForm, ReissueForm, WithdrawForm
from tracker.ui_languages import LANGUAGE_NAMES, UI_LANGUAGES, localized
from tracker.web.access import public
from tracker.web.forms_common import error_summary


def _chosen_language() -> str | None:
    """Return the language picked with ?lang=, if it is one we write in."""
    language = request.args.get("lang")
    return language if language in UI_LANGUAGES else None


def _private(response: Response) -> Response:
    # The token in the address is the key to this page: it must not leave in a Referer,
    # stay in a shared cache, or be indexed.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _not_found() -> Response:
    """The one answer for every link that does not work, whatever the reason."""
    return _private(
        make_response(render_template("portal/not_found.html", form=ReissueForm(), errors=[]), 404)
    )


def _render_status(
    application: Application, token: str, form: WithdrawForm, *, status_code: int = 200
) -> Response:
    stage = stage_of(application)
    return _private(
        make_response(
            render_template(
                "portal/show.html",
                application=application,
                token=token,
                lang=_chosen_language(),
                call_title=localized(application.call.title, _page_language(application)),
                stage=stage,
                steps=stage_steps(stage),
                emails=sent_emails(application),
                can_withdraw=can_withdraw(application),
                form=form,
                erasure_form=ErasureRequestForm(),
                errors=error_summary(form),
                language_names=LANGUAGE_NAMES.items(),
            ),
            status_code,
        )
    )


def _page_language(application: Application) -> str:
    return _chosen_language() or application.preferred_language


@bp.get("/<token>")
@public
def show(token: str):
    """Show where the application stands and the emails sent, in the applicant's language."""
    try:
        application = check_status_token(token)
    except StatusLinkError:
        return _not_found()
    with force_locale(_page_language(application)):
        return _render_status(application, token, WithdrawForm())


# The form checks its own CSRF token, so that an expired page gets a kind message.
@bp.post("/<token>/withdraw")
@csrf.exempt
@public
def withdraw(token: str):
    """Withdraw the application; the confirmation email is queued in the same transaction."""
    try:
        application = check_status_token(token)
    except StatusLinkError:
        return _not_found()
    with force_locale(_page_language(application)):
        form = WithdrawForm()
        if not form.validate():
            if form.csrf_token.errors:
                form.csrf_token.errors = []
                flash(_("This page had expired. Please confirm once more."), "error")
            return _render_status(application, token, form, status_code=400)
        try:
            pipeline.withdraw(application, by_applicant=True, note=form.reason.data)
        except TransitionError:
            flash(_("Your application had already been withdrawn."), "info")
        else:
            flash(
                _("Your application has been withdrawn. We have sent you a confirmation by email."),
                "success",
            )
    return redirect(url_for("portal.show", token=token, lang=_chosen_language()))


def _reissue_limit() -> str:
    return current_app.config["STATUS_REISSUE_LIMIT_PER_IP"]


@bp.route("/reissue", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_reissue_limit, methods=["POST"])
@public
def reissue():
    """Send a new status link to every application made with the address given."""
    form = ReissueForm()
    if request.method in ("GET", "HEAD"):
        return _render_reissue(form, sent=request.args.get("sent") == "1")
    if not form.validate():
        problem = None
        if form.csrf_token.errors:
            problem = _("This page had expired. Please send the form again.")
        return _render_reissue(form, problem=problem, status_code=400)
    reissue_status_links(form.email.data)
    return redirect(url_for("portal.reissue", sent=1))


def _render_reissue(
    form: ReissueForm, *, sent: bool = False, problem: str | None = None, status_code: int = 200
) -> Response:
    # A GET shows no errors: the form was not sent yet.
    errors = error_summary(form) if status_code != 200 else []
    return _private(
        make_response(
            render_template(
                "portal/reissue.html", form=form, sent=sent, problem=problem, errors=errors
            ),
            status_code,
        )
    )


# --- the applicant's request to erase their data -------------------------------------------


@bp.post("/<token>/erase-request")
@csrf.exempt
@public
def request_erasure(token: str):
    """Email a confirmation link: only who reads the applicant's mailbox can erase."""
    try:
        application = check_status_token(token)
    except StatusLinkError:
        return _not_found()
    with force_locale(_page_language(application)):
        form = ErasureRequestForm()
        if not form.validate():
            flash(_("This page had expired. Please confirm once more."), "error")
        else:
            privacy.request_erasure(application)
            flash(
                _(
                    "We have sent you an email with a link. Open it within %(hours)s hours "
                    "to confirm that we should delete your data.",
                    hours=current_app.config["ERASURE_LINK_MAX_AGE_HOURS"],
                ),
                "success",
            )
    return redirect(url_for("portal.show", token=token, lang=_chosen_language()) + "#erase")


def _erase_link_problem(expired: bool) -> Response:
    return _private(
        make_response(render_template("portal/erase_invalid.html", expired=expired), 404)
    )


@bp.route("/erase/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def erase(token: str):
    """Ask for the final confirmation (GET), then erase everything (POST)."""
    try:
        application = privacy.check_erasure_token(token)
    except privacy.ErasureLinkExpired:
        return _erase_link_problem(expired=True)
    except privacy.ErasureLinkError:
        return _erase_link_problem(expired=False)
    with force_locale(_page_language(application)):
        form = ErasureConfirmForm()
        if request.method == "POST":
            if form.validate():
                privacy.erase_applicant(application, by=None, reason="applicant request")
                return _private(make_response(render_template("portal/erased.html")))
            flash(_("This page had expired. Please confirm once more."), "error")
        return _private(
            make_response(
                render_template(
                    "portal/erase_confirm.html",
                    form=form,
                    token=token,
                    reference=application.reference,
                ),
                400 if request.method == "POST" else 200,
            )
        )
