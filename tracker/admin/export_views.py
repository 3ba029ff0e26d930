"""Exporting the inbox's current list: the column picker, then the file, streamed."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.export_forms import ExportForm, PoolExportForm
from tracker.exports import export_file
from tracker.exports.pool import pool_export_file
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered
from tracker.web.access import admin
from tracker.web.downloads import export_response


@bp.route("/export", methods=["GET", "POST"])
@admin
def export():
    """Show the column picker for an inbox filter (GET), or stream the export (POST)."""
    form = ExportForm()
    if request.method == "GET":
        form.source.data = request.args.get("from", "")
    inbox_filter = InboxFilter.from_query_string(form.source.data)
    if request.method == "GET" or not form.validate():
        return render_template(
            "admin/export.html",
            form=form,
            inbox_filter=inbox_filter,
            total=count_filtered(inbox_filter, user=current_user),
        ), (200 if request.method == "GET" else 400)
    exported = export_file(
        form.format.data,
        inbox_filter,
        user=current_user._get_current_object(),
        columns=form.columns.data,
        headers=form.headers.data,
        at_risk_contacts=form.at_risk_contacts.data,
    )
    return export_response(exported.chunks, exported.content_type, exported.filename)


@bp.route("/export/pool", methods=["GET", "POST"])
@admin
def export_pool():
    """Offer the expert pool and the assignments (GET), or stream the chosen one (POST)."""
    form = PoolExportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("admin/export_pool.html", form=form), status
    chunks, content_type, filename = pool_export_file(
        form.kind.data,
        form.format.data,
        user=current_user._get_current_object(),
        at_risk_contacts=form.at_risk_contacts.data,
    )
    return export_response(chunks, content_type, filename)
