"""Public pages: the open calls, the application form, the thanks page, the privacy notice."""

from flask import Blueprint

bp = Blueprint("apply", __name__)
