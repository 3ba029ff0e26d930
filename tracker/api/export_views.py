"""Exports over the API: the admins' exports (tracker.exports), streamed as CSV or XLSX.

Each answers with the same file the admin pages make for the same filter, audited alike
(``export.csv``, ``export.experts.xlsx`` …); the acting token is named in the audit row.
Contact details need the scope contacts:read besides exports:read: a candidate list
without it leaves out email and phone unless they are asked for (then 403); the expert
pool always holds email addresses, so it needs contacts:read. The contact details of
applicants at risk stay empty unless ``at_risk_contacts=true`` asks for them (audited).
"""

from __future__ import annotations

from typing import Literal

from flask import g
from pydantic import BaseModel, Field, field_validator
from spectree import Response
from werkzeug.wrappers import Response as StreamedResponse

from tracker.api import COMMON_ERRORS, api_route
from tracker.api.application_schemas import InboxFilterQuery
from tracker.api.schemas import Problem
from tracker.enums import ApiScope
from tracker.exports import (
    CONTACT_COLUMNS,
    EXPORT_COLUMNS,
    HEADER_CHOICES,
    XLSX_TYPE,
    export_file,
)
from tracker.exports.pool import ASSIGNMENTS, POOL, pool_export_file
from tracker.web.downloads import export_response
from tracker.web.problems import ApiProblem

CSV_TYPE = "text/csv"
AT_RISK_CONTACTS = (
    "true: fill in the contact details of applicants at risk too (their columns are empty "
    "by default). The choice is written to the audit log with the export."
)


class FileResponses(Response):
    """The responses of an export: a CSV or XLSX file with 200, problems otherwise."""

    def generate_spec(self, *args, **kwargs) -> dict:
        """Declare the 200 answer's media types (spectree knows only JSON bodies)."""
        spec = super().generate_spec(*args, **kwargs)
        # No schema: OpenAPI 3.1 describes a file's bytes by its media type alone.
        spec["200"]["content"] = {CSV_TYPE: {}, XLSX_TYPE: {}}
        return spec


def file_responses(*errors: int) -> FileResponses:
    """Return the responses of an export route."""
    codes = {f"HTTP_{code}": Problem for code in sorted({*COMMON_ERRORS, *errors})}
    return FileResponses(HTTP_200=(None, "The file, streamed."), **codes)


def contacts_refused(why: str) -> ApiProblem:
    """Return the 403 of an export that holds contact details, to a token without them."""
    return ApiProblem(403, f"This token does not have the scope {ApiScope.CONTACTS_READ} ({why}).")


class FormatQuery(BaseModel):
    """The file format of an export."""

    format: Literal["csv", "xlsx"] = "csv"


class PoolExportQuery(FormatQuery):
    """The format of the expert pool, and whether to fill in the email of an expert who
    came from an application at risk."""

    at_risk_contacts: bool = Field(default=False, description=AT_RISK_CONTACTS)


class ApplicationExportQuery(InboxFilterQuery, FormatQuery):
    """The inbox's filters (as the application list takes them), the columns and their
    headers."""

    columns: str | None = Field(
        default=None,
        description="Comma-separated column keys; default all (without email and phone "
        "unless the token has contacts:read).",
    )
    headers: Literal[HEADER_CHOICES] = Field(
        default="keys", description="keys (full_name, email …) or people (words)."
    )
    at_risk_contacts: bool = Field(default=False, description=AT_RISK_CONTACTS)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: str | None) -> str | None:
        if value is not None:
            unknown = sorted(set(value.split(",")) - set(EXPORT_COLUMNS))
            if unknown:
                raise ValueError(f"unknown columns: {', '.join(unknown)}")
        return value

    def chosen_columns(self, *, contacts: bool) -> list[str]:
        """Return the columns to export; raise 403 for contact columns without *contacts*."""
        if self.columns is None:
            return [c for c in EXPORT_COLUMNS if contacts or c not in CONTACT_COLUMNS]
        wanted = self.columns.split(",")
        refused = [column for column in CONTACT_COLUMNS if column in wanted]
        if refused and not contacts:
            raise contacts_refused(f"needed for the columns {', '.join(refused)}")
        return [column for column in EXPORT_COLUMNS if column in wanted]


def streamed(chunks, content_type: str, filename: str):
    """Return an export as the API streams it."""
    return export_response(chunks, content_type, filename, response_class=StreamedResponse)


@api_route(
    "/exports/applications",
    scope=ApiScope.EXPORTS_READ,
    resp=file_responses(403, 422),
    tags=("exports",),
    query=ApplicationExportQuery,
)
def export_applications(query: ApplicationExportQuery):
    """Export the candidates the inbox's filters select, as the admins' export does."""
    columns = query.chosen_columns(contacts=g.api_token.allows(ApiScope.CONTACTS_READ))
    exported = export_file(
        query.format,
        query.inbox_filter(),
        user=g.api_token.created_by,
        columns=columns,
        headers=query.headers,
        at_risk_contacts=query.at_risk_contacts,
    )
    return streamed(exported.chunks, exported.content_type, exported.filename)


def pool_export(kind: str, file_format: str, *, at_risk_contacts: bool = False):
    """Return the export of the expert pool or the assignments, streamed."""
    chunks, content_type, filename = pool_export_file(
        kind, file_format, user=g.api_token.created_by, at_risk_contacts=at_risk_contacts
    )
    return streamed(chunks, content_type, filename)


@api_route(
    "/exports/experts",
    scope=ApiScope.EXPORTS_READ,
    resp=file_responses(403, 422),
    tags=("exports",),
    query=PoolExportQuery,
)
def export_experts(query: PoolExportQuery):
    """Export the expert pool (needs contacts:read too: it holds email addresses)."""
    if not g.api_token.allows(ApiScope.CONTACTS_READ):
        raise contacts_refused("the expert pool export holds email addresses")
    return pool_export(POOL, query.format, at_risk_contacts=query.at_risk_contacts)


@api_route(
    "/exports/assignments",
    scope=ApiScope.EXPORTS_READ,
    resp=file_responses(422),
    tags=("exports",),
    query=FormatQuery,
)
def export_assignments(query: FormatQuery):
    """Export the assignments, for the accounting desk."""
    return pool_export(ASSIGNMENTS, query.format)
