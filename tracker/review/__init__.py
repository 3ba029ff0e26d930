"""The editors' workspace: inbox, candidate pages, bulk actions."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
