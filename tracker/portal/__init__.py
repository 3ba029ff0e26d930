"""The applicant's status page: where an application stands, its emails, withdrawal."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/status")
