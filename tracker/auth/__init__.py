"""Staff sign-in and sign-out, two-factor sign-in, password change and reset.

Applicants never sign in; these pages are for editors and admins. The view modules
(views, two_factor_views, account_views) and the rules every request obeys (guards)
attach themselves to ``bp``.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
