"""Whether machine-translated previews may be asked for: configured AND switched on.

Nothing is ever sent unless both hold: the operator configured TRANSLATION_URL, and an
admin turned the feature on (Admin → Machine translation), a site setting whose every
change is audited. Off is the default.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.models import SiteSetting, User
from tracker.site_settings import change_setting, setting_value, site_setting
from tracker.translation.endpoint import TranslationEndpoint, configured_endpoint

SWITCH = "translation_previews"


def previews_endpoint(config: Mapping) -> TranslationEndpoint | None:
    """Return the service to ask when previews are configured and switched on, else None."""
    endpoint = configured_endpoint(config)
    if endpoint is None or not setting_value(SWITCH, False):
        return None
    return endpoint


def switch_state() -> SiteSetting | None:
    """Return the switch's row (value, who changed it last and when), None if never set."""
    return site_setting(SWITCH)


def switch_previews(on: bool, *, by: User) -> bool:
    """Turn machine-translated previews on or off (audited); False if nothing changed."""
    return change_setting(SWITCH, bool(on), by=by)
