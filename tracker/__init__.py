"""tracker: an applicant tracker for newsrooms that recruit freelance local experts."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from tracker import extensions
from tracker.config import (
    check_production,
    development_secret_key,
    load_config,
    storage_location,
)
from tracker.database import configure_sqlite
from tracker.extensions import babel, csrf, db, limiter, login_manager
from tracker.log_setup import configure_logging
from tracker.translation.endpoint import configured_endpoint
from tracker.ui_languages import (
    LANGUAGE_NAMES,
    STAFF_LANGUAGES,
    UI_LANGUAGES,
    localized,
    shown_language,
)
from tracker.web import converters

# Templates live at the repository root, beside the package (see ARCHITECTURE.md §1).
TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: the only place an app is made."""
    app = Flask(__name__, template_folder=str(TEMPLATE_FOLDER), instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if overrides:
        app.config.from_mapping(overrides)
    # Production refuses to start without a key (below); elsewhere one is generated once.
    if not app.config["SECRET_KEY"] and app.config["ENV"] != "production":
        app.config["SECRET_KEY"] = development_secret_key(app.instance_path)
    check_production(app.config)
    storage_location(app.config["STORAGE_URL"])  # a bad STORAGE_URL stops the start here
    configured_endpoint(app.config)  # so does a TRANSLATION_URL not https or this machine
    configure_logging(app)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    converters.install(app)  # before any route: ids beyond 32 bits must not match
    _register_blueprints(app)

    from tracker import cli, migrating
    from tracker.jobs import kinds  # noqa: F401 - every job kind, for the worker and admins
    from tracker.web import errors, security

    security.install(app)
    security.trust_proxies(app)
    errors.register(app)
    cli.register(app)
    migrating.register(app)

    from tracker import dates
    from tracker.assignments.deadlines import deadline_text
    from tracker.labels import ASSIGNMENT_STATE_LABELS
    from tracker.money import format_amount
    from tracker.web.access import open_to_guests
    from tracker.web.forms_common import summary_line
    from tracker.web.templating import (
        STAFF_NAVIGATION,
        character_count_messages,
        field_aria,
        install_translations,
        isolate,
        unread_notifications,
    )

    app.jinja_env.globals.update(
        language_labels=LANGUAGE_NAMES,
        page_languages=page_languages,
        staff_languages=STAFF_LANGUAGES,
        ui_languages=UI_LANGUAGES,
        shown_language=shown_language,
        localized=localized,
        field_aria=field_aria,
        summary_line=summary_line,
        character_count_messages=character_count_messages,
        staff_navigation=STAFF_NAVIGATION,
        open_to_guests=open_to_guests,
        current_locale=lambda: str(get_locale()),
        unread_notifications=unread_notifications,
        # The one date format (tracker.dates): {{ day(x) }} or {{ x|day }}.
        day=dates.day,
        moment=dates.moment,
        # An assignment's fee and deadline (tracker.money, tracker.assignments.deadlines).
        amount=format_amount,
        deadline_in_zone=deadline_text,
        assignment_state_labels=ASSIGNMENT_STATE_LABELS,
    )
    install_translations(app)
    app.jinja_env.filters["isolate"] = isolate
    app.jinja_env.filters.update(day=dates.day, moment=dates.moment)

    return app


# The blueprints of staff pages: offered only in the languages staff pages are complete in.
STAFF_BLUEPRINTS = frozenset({"admin", "auth", "review"})


def page_languages() -> tuple[str, ...]:
    """Return the languages this request's page may be shown in: a staff page only in
    those complete for staff, every other page in all."""
    if has_request_context() and request.blueprint in STAFF_BLUEPRINTS:
        return STAFF_LANGUAGES
    return UI_LANGUAGES


def select_locale() -> str:
    """Pick the page language: the user's choice, then the browser's, then German."""
    from flask import current_app

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = page_languages()
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    # Not `mail`: that name is the tracker.mail package once it is imported.
    extensions.mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            from tracker.postgresql import configure_postgresql

            configure_postgresql(db.engine)
        # Imported here: the storage package needs the models, which need the extensions.
        from tracker.documents.storage.rotation import check_storage_key

        check_storage_key()  # a wrong or malformed STORAGE_KEY stops the start here

    from tracker.auth.browser_session import load_signed_in_user
    from tracker.auth.guest_guard import end_ended_guest_session
    from tracker.web.access import (
        audit_api_request,
        audit_at_risk_request,
        audit_guest_request,
        enforce_access_policy,
    )

    login_manager.user_loader(load_signed_in_user)
    # Before the policy: a guest whose access ended is signed out with a word, not refused.
    app.before_request(end_ended_guest_session)
    app.before_request(enforce_access_policy)
    app.after_request(audit_guest_request)
    app.after_request(audit_api_request)
    app.after_request(audit_at_risk_request)


def _register_blueprints(app: Flask) -> None:
    # Each blueprint is declared as ``bp`` in its package; importing the route modules
    # attaches their routes to it.
    from tracker.admin import (  # noqa: F401 - attach routes to bp
        api_token_views,
        call_views,
        dashboard_views,
        email_template_views,
        export_views,
        import_views,
        job_views,
        need_to_know_views,
        privacy_views,
        team_views,
        translation_switch_views,
        webhook_views,
    )
    from tracker.admin import bp as admin_bp
    from tracker.api import (  # noqa: F401 - attach the API's routes to api_bp
        application_views as api_application_views,
    )
    from tracker.api import (  # noqa: F401
        assignment_views as api_assignment_views,
    )
    from tracker.api import bp as api_bp
    from tracker.api import call_views as api_call_views  # noqa: F401
    from tracker.api import docs_views as api_docs_views  # noqa: F401
    from tracker.api import expert_views as api_expert_views  # noqa: F401
    from tracker.api import export_views as api_export_views  # noqa: F401
    from tracker.apply import asset_views  # noqa: F401 - attaches /favicon.ico
    from tracker.apply import bp as apply_bp
    from tracker.apply import views as apply_views  # noqa: F401 - attaches the public routes
    from tracker.auth import account_views, guards, two_factor_views  # noqa: F401 - attach to bp
    from tracker.auth import bp as auth_bp
    from tracker.auth import views as auth_views  # noqa: F401 - attaches sign-in routes to bp
    from tracker.portal import bp as portal_bp
    from tracker.portal import views as portal_views  # noqa: F401 - attaches the status routes to bp
    from tracker.review import (  # noqa: F401 - attach the candidate, inbox and email routes
        assignment_views,
        bulk_email_views,
        candidate_views,
        email_views,
        expert_views,
        notification_views,
        risk_views,
        saved_view_views,
        translation_views,
    )
    from tracker.review import bp as review_bp
    from tracker.review import views as review_views  # noqa: F401 - attaches the inbox routes to bp

    app.register_blueprint(apply_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(api_bp)
