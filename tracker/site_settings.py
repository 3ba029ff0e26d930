"""Settings admins change on a page rather than in the environment, each change audited.

The environment holds what an operator decides (addresses, keys, limits); a site setting
is a decision the newsroom's admins may take and take back, such as allowing
machine-translated previews. One row per key holds the current value and who set it; the
audit log keeps every change (``setting.changed``).
"""

from __future__ import annotations

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.extensions import db
from tracker.models import SiteSetting, User, utcnow


def site_setting(key: str) -> SiteSetting | None:
    """Return the row of setting *key*, or None if nobody ever set it."""
    return db.session.get(SiteSetting, key)


def change_setting(key: str, value, *, by: User) -> bool:
    """Set *key* to *value* (JSON), audit the change, and commit.

    :returns: False when the setting already had that value (nothing written).
    """
    begin_write()
    row = db.session.get(SiteSetting, key)
    if row is not None and row.value == {"value": value}:
        db.session.commit()
        return False
    if row is None:
        row = SiteSetting(key=key)
        db.session.add(row)
    row.value = {"value": value}
    row.changed_by_id = by.id
    row.changed_at = utcnow()
    record_event("setting.changed", actor=by, setting=key, value=value)
    db.session.commit()
    return True


def setting_value(key: str, default=None):
    """Return the value of setting *key*, or *default* if nobody ever set it."""
    row = site_setting(key)
    return default if row is None else row.value.get("value", default)
