"""Flask extensions, created unbound and initialised in create_app."""

from functools import cached_property

from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable for Alembic."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding a page's catalogue once instead of per string.

    Flask-Babel looks up its request state, the locale, the locale's name and its cache
    for every string it translates (7 µs; a lazy string – a form label, a status name –
    pays it each time it is drawn, some 100 times on the candidate page). The catalogue
    found last is kept with the locale object it was found for: the request's locale
    object stays the same until ``force_locale`` or ``refresh()`` replaces it, and a
    different object is looked up as before.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last: tuple[object, object] = (None, None)

    def get_translations(self):
        locale = get_locale()
        last_locale, translations = self._last
        if locale is None or locale is not last_locale:
            translations = super().get_translations()
            # One tuple, replaced whole: a thread reading it sees a matching pair.
            self._last = (locale, translations) if locale is not None else (None, None)
        return translations


class RequestBabel(Babel):
    """Flask-Babel, translating through :class:`RequestDomain`."""

    @cached_property
    def domain_instance(self) -> Domain:
        return RequestDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
mail = Mail()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = RequestBabel()
limiter = Limiter(key_func=get_remote_address)
