"""Admin → Webhooks: endpoints, their secret (shown once), delivery logs and re-sending."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.webhook_forms import (
    WEBHOOK_DELIVERY_STATUS_LABELS,
    EditEndpointForm,
    NewEndpointForm,
)
from tracker.extensions import db
from tracker.models import WebhookDelivery, WebhookEndpoint
from tracker.web.access import admin
from tracker.web.forms_common import error_summary
from tracker.webhooks import endpoints as domain


def _acting():
    return current_user._get_current_object()


def _render(template: str, form, **context):
    """Render a page with *form*; 400 with the error summary when it has errors."""
    errors = error_summary(form)
    page = render_template(
        template,
        form=form,
        errors=errors,
        status_labels=WEBHOOK_DELIVERY_STATUS_LABELS,
        **context,
    )
    return page, 400 if errors else 200


def _show_error(form, error: domain.WebhookError):
    field = getattr(form, error.field)
    field.errors = [*field.errors, str(error)]


def _secret_page(endpoint: WebhookEndpoint, secret: str, *, created: bool):
    """Show the secret once, in the answer to the POST: never flashed, never stored."""
    response = make_response(
        render_template(
            "admin/webhook_secret.html", endpoint=endpoint, secret=secret, created=created
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _endpoint_page(endpoint: WebhookEndpoint, form):
    return _render(
        "admin/webhook.html", form, endpoint=endpoint, deliveries=domain.delivery_log(endpoint)
    )


@bp.get("/webhooks")
@admin
def webhooks():
    """List the endpoints, and offer the form that registers one."""
    return _render("admin/webhooks.html", NewEndpointForm(), endpoints=domain.endpoint_rows())


@bp.post("/webhooks")
@admin
def create_webhook():
    """Register an endpoint and show its secret, once."""
    form = NewEndpointForm()
    if form.validate():
        try:
            endpoint, secret = domain.create_endpoint(
                url=form.url.data,
                description=form.description.data or "",
                events=form.events.data,
                by=_acting(),
            )
        except domain.WebhookError as error:
            _show_error(form, error)
        else:
            form.mark_sent()
            return _secret_page(endpoint, secret, created=True)
    return _render("admin/webhooks.html", form, endpoints=domain.endpoint_rows())


@bp.get("/webhooks/<int:endpoint_id>")
@admin
def webhook(endpoint_id: int):
    """Show an endpoint: its settings and its delivery log."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    return _endpoint_page(endpoint, EditEndpointForm(obj=endpoint))


@bp.post("/webhooks/<int:endpoint_id>")
@admin
def change_webhook(endpoint_id: int):
    """Change an endpoint's address, description, events, or pause it."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = EditEndpointForm()
    if form.validate():
        try:
            changed = domain.update_endpoint(
                endpoint,
                url=form.url.data,
                description=form.description.data or "",
                events=form.events.data,
                active=form.active.data,
                by=_acting(),
            )
        except domain.WebhookError as error:
            _show_error(form, error)
        else:
            flash(_("The endpoint is saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.webhook", endpoint_id=endpoint.id))
    return _endpoint_page(endpoint, form)


@bp.post("/webhooks/<int:endpoint_id>/secret")
@admin
def rotate_webhook_secret(endpoint_id: int):
    """Give an endpoint a new signing secret and show it, once."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    secret = domain.rotate_secret(endpoint, by=_acting())
    return _secret_page(endpoint, secret, created=False)


@bp.post("/webhooks/<int:endpoint_id>/delete")
@admin
def delete_webhook(endpoint_id: int):
    """Delete an endpoint with its delivery log."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    domain.delete_endpoint(endpoint, by=_acting())
    flash(_("The endpoint is deleted; nothing more is sent to it."), "success")
    return redirect(url_for("admin.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend")
@admin
def resend_webhook(endpoint_id: int, delivery_id: int):
    """Queue a delivery's event to its endpoint again."""
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint_id:
        abort(404)
    domain.resend_delivery(delivery, by=_acting())
    flash(_("The event is queued to be sent again."), "success")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))
