"""The administrators' pages: calls, team, email templates, insight."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
