"""Exporting the inbox's current list: the column picker, then the file, streamed."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.export_forms import ExportForm, PoolExportForm
from tracker.exports import export_file
from tracker.exports.pool import pool_export_file
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered
from tracker.web.access import admin


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Lists of people: no shared or browser cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
    )
    # The CSV reads the database while it streams: keep the request's context for it.
    body = stream_with_context(exported.chunks)
    return _attachment(Response(body, content_type=exported.content_type), exported.filename)


@bp.route("/export/pool", methods=["GET", "POST"])
@admin
def export_pool():
    """Offer the expert pool and the assignments (GET), or stream the chosen one (POST)."""
    form = PoolExportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("admin/export_pool.html", form=form), status
    chunks, content_type, filename = pool_export_file(
        form.kind.data, form.format.data, user=current_user._get_current_object()
    )
    return _attachment(Response(stream_with_context(chunks), content_type=content_type), filename)
