"""The team: invite staff, change their roles, deactivate and reactivate them; and the
page where an invited person chooses their password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from tracker.accounts import guests, invitations, users
from tracker.accounts.common import AccountError
from tracker.admin import bp
from tracker.admin.team_forms import (
    GuestInviteForm,
    GuestScopeForm,
    InviteForm,
    JoinForm,
    RoleForm,
)
from tracker.auth.pages import no_store, render_form
from tracker.calls import list_calls
from tracker.extensions import csrf, db
from tracker.models import Call, User
from tracker.ui_languages import STAFF_LANGUAGES
from tracker.web.access import admin, public
from tracker.web.forms_common import error_summary, flash_errors

# The guest invitation's fields are named guest-name, guest-email …: the page holds the
# team invitation's name and email fields too.
GUEST_PREFIX = "guest"


def _guest_form(form):
    """Offer the calls and their regions in a guest form."""
    return form.offer(list_calls(), str(get_locale()))


def _render_team(invite_form: InviteForm, guest_form: GuestInviteForm | None = None):
    guest_form = guest_form or _guest_form(GuestInviteForm(formdata=None, prefix=GUEST_PREFIX))
    errors = error_summary(invite_form) + error_summary(guest_form)
    return (
        render_template(
            "admin/team.html",
            users=users.list_team(),
            invite_form=invite_form,
            guest_form=guest_form,
            scope_form=_guest_form(GuestScopeForm(formdata=None)),
            scopes=guests.guest_scopes(),
            role_form=RoleForm(),
            errors=errors,
            max_age_hours=invitations.invitation_max_age_hours(),
        ),
        400 if errors else 200,
    )


@bp.get("/team")
@admin
def team():
    """List the staff accounts and offer the invitation form."""
    form = InviteForm()
    form.language.data = str(get_locale()) if str(get_locale()) in STAFF_LANGUAGES else "de"
    return _render_team(form)


@bp.post("/team/invite")
@admin
def invite():
    """Create an account for someone and email them a link to choose their password."""
    form = InviteForm()
    if not form.validate():
        return _render_team(form)
    try:
        user = invitations.invite_user(
            form.email.data,
            name=form.name.data,
            role=form.role.data,
            by=current_user,
            language=form.language.data,
        )
    except AccountError as error:
        form.email.errors = [*form.email.errors, str(error)]
        return _render_team(form)
    flash(
        _("%(name)s is invited: the email with their link is on its way.", name=user.name),
        "success",
    )
    return redirect(url_for("admin.team"))


def _access(form: GuestScopeForm) -> guests.GuestAccess:
    """Return the access a valid guest form asks for."""
    call = db.get_or_404(Call, form.call.data)
    return guests.GuestAccess(call, tuple(form.regions.data or ()), form.ends_on.data)


def _field_error(form, error: AccountError) -> None:
    """Show *error* at the field it is about (the address, unless it names another)."""
    field = getattr(form, getattr(error, "field", "email"))
    field.errors = [*field.errors, str(error)]


@bp.post("/team/guests/invite")
@admin
def invite_guest():
    """Invite a guest reviewer for one call, some of its regions (none: all), until a day."""
    form = _guest_form(GuestInviteForm(prefix=GUEST_PREFIX))
    if not form.validate():
        return _render_team(InviteForm(formdata=None), form)
    try:
        user = guests.invite_guest(
            form.email.data,
            name=form.name.data,
            access=_access(form),
            by=current_user,
            language=form.language.data,
        )
    except AccountError as error:
        _field_error(form, error)
        return _render_team(InviteForm(formdata=None), form)
    flash(_("%(name)s is invited as a guest reviewer.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor="guests"))


@bp.post("/team/<int:user_id>/guest")
@admin
def change_guest_access(user_id: int):
    """Give a guest reviewer another call, regions or last day."""
    form = _guest_form(GuestScopeForm())
    if not form.validate():
        flash_errors(form)
        return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))
    access = _access(form)
    user, changed = _team_action(
        user_id, lambda user: guests.change_guest_access(user, access, by=current_user)
    )
    if changed:
        flash(_("The access of %(name)s is changed.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


@bp.post("/team/<int:user_id>/guest/end")
@admin
def end_guest_access(user_id: int):
    """End a guest reviewer's access now: they are signed out and cannot sign in again."""
    user, ended = _team_action(user_id, lambda user: guests.end_guest_access(user, by=current_user))
    if ended:
        flash(_("The access of %(name)s has ended.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


def _team_action(user_id: int, action) -> tuple[User, bool | None]:
    """Run *action* on the account; flash its refusal. Return the user and its result."""
    user = db.get_or_404(User, user_id)
    try:
        return user, action(user)
    except AccountError as error:
        flash(str(error), "error")
        return user, None


@bp.post("/team/<int:user_id>/role")
@admin
def change_role(user_id: int):
    """Give an account another role (the last active administrator keeps theirs)."""
    form = RoleForm()
    if not form.validate():
        flash(_("Please choose one of the roles."), "error")
        return redirect(url_for("admin.team"))
    user, changed = _team_action(
        user_id, lambda user: users.change_role(user, form.role.data, by=current_user)
    )
    if changed:
        flash(_("%(name)s has a new role.", name=user.name), "success")
        if user.id == current_user.id and not current_user.is_admin:
            # They stepped down: the team page is no longer theirs to see.
            return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


@bp.post("/team/<int:user_id>/deactivate")
@admin
def deactivate_user(user_id: int):
    """Deactivate an account: it is signed out everywhere at once and cannot sign in."""
    user, changed = _team_action(user_id, lambda user: users.deactivate_user(user, by=current_user))
    if changed:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


@bp.post("/team/<int:user_id>/reactivate")
@admin
def reactivate_user(user_id: int):
    """Let a deactivated account sign in again."""
    user, changed = _team_action(user_id, lambda user: users.reactivate_user(user, by=current_user))
    if changed:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


@bp.post("/team/<int:user_id>/resend")
@admin
def resend_invitation(user_id: int):
    """Send a new invitation link; earlier links stop working."""
    language = str(get_locale())

    def resend(user: User) -> bool:
        invitations.resend_invitation(user, by=current_user, language=language)
        return True

    user, sent = _team_action(user_id, resend)
    if sent:
        flash(_("A new invitation is on its way to %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.team", _anchor=f"user-{user_id}"))


# --- accepting an invitation (public: the invitee has no password yet) ----------------------


def _render_join(form: JoinForm, user: User):
    return no_store(*render_form("admin/join.html", form, user=user))


def _refused(error: invitations.InvitationError):
    body = render_template(
        "admin/join.html", refusal=str(error.message), expired=error.expired, form=None
    )
    return no_store(body, 400)


# The form checks its own CSRF token, so that an expired one gets a kind message.
@csrf.exempt
@public
def accept_invitation(token: str):
    """Let an invited person choose their password once, then send them to sign in."""
    try:
        user = invitations.check_invitation_token(token)
    except invitations.InvitationError as error:
        return _refused(error)
    form = JoinForm()
    if request.method == "GET" or not form.validate():
        return _render_join(form, user)
    try:
        invitations.accept_invitation(token, form.new_password.data)
    except invitations.InvitationError as error:
        return _refused(error)
    except AccountError as error:
        form.new_password.errors = [str(error)]
        return _render_join(form, user)
    # Whoever was signed in on this browser is signed out: the new account starts fresh.
    if current_user.is_authenticated:
        logout_user()
    flash(_("Your password is set. Please sign in with your email address and it."), "success")
    return redirect(url_for("auth.login"))


@bp.record_once
def _add_join_route(state) -> None:
    # The link in the email reads /team/join/<token>, outside the blueprint's /admin
    # prefix: the invitee is not an administrator, and the address says what it is for.
    state.app.add_url_rule(
        "/team/join/<token>",
        endpoint="admin.accept_invitation",
        view_func=accept_invitation,
        methods=["GET", "POST"],
    )
