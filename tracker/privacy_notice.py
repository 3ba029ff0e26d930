"""The facts the built-in privacy notice states, read from configuration.

One source for the notice at ``/privacy`` (templates/apply/privacy.html) and for the
withdrawal confirmation email (its ``{{ retention_days }}``): both read the retention
periods from ``RETENTION_DAYS`` here, so they cannot name different numbers; the notice
also states ``RETENTION_DAYS_AT_RISK``, the shorter period for applicants at risk. What the
applicant is told about the controller (GDPR Art. 13(1)) comes from the ``PRIVACY_*``
settings, which production requires (:func:`tracker.config.check_production`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from limits import parse_many

from tracker.enums import Status
from tracker.translation.switch import previews_endpoint

# The statuses whose retention period the notice states: the final ones, from which
# privacy.purge_expired counts (decided_at). Any other key in RETENTION_DAYS erases nothing.
RETENTION_ORDER = (Status.REJECTED.value, Status.WITHDRAWN.value, Status.ACCEPTED.value)
# The public limits that count a client address or an applicant's address: their longest
# window is how long a rate-limit counter can hold one.
PUBLIC_LIMITS = (
    "APPLY_LIMIT_PER_IP",
    "APPLY_LIMIT_PER_EMAIL",
    "THANKS_LIMIT_PER_IP",
    "STATUS_REISSUE_LIMIT_PER_IP",
)


@dataclass(frozen=True)
class NoticeFacts:
    """Everything the built-in notice names that a site configures."""

    controller_name: str
    controller_address: str
    contact_email: str
    dpo_contact: str | None
    authority_name: str | None
    authority_url: str | None
    processors: str | None
    archive_copies: bool
    retention: list[tuple[str, int]]
    # The longest an applicant at risk is kept once rejected or withdrawn (RETENTION_DAYS_AT_RISK).
    at_risk_retention_days: int
    rate_limit_hours: int
    log_retention_days: int
    erasure_link_hours: int
    status_link_days: int
    # The machine-translation service editors may send texts to; None while that is off.
    translation_host: str | None = None

    def retention_days(self, status: str) -> int | None:
        """Return the days an application with final *status* is kept, None if kept."""
        return dict(self.retention).get(status)


def retention_periods(config: Mapping) -> list[tuple[str, int]]:
    """Return (final status, days) from RETENTION_DAYS, in the notice's order."""
    policy = config["RETENTION_DAYS"]
    return [(status, policy[status]) for status in RETENTION_ORDER if status in policy]


def withdrawn_retention_days(config: Mapping) -> int | None:
    """Return the days a withdrawn application is kept before the purge erases it."""
    return config["RETENTION_DAYS"].get(Status.WITHDRAWN.value)


def longest_rate_limit_hours(config: Mapping) -> int:
    """Return the longest window (in whole hours, rounded up) of the public rate limits."""
    seconds = max(item.get_expiry() for name in PUBLIC_LIMITS for item in parse_many(config[name]))
    return -(-seconds // 3600)


def notice_facts(config: Mapping) -> NoticeFacts:
    """Return what the built-in notice says about this site."""
    return NoticeFacts(
        controller_name=config.get("PRIVACY_CONTROLLER_NAME") or "",
        controller_address=config.get("PRIVACY_CONTROLLER_ADDRESS") or "",
        contact_email=config.get("PRIVACY_CONTACT_EMAIL") or config["DESK_EMAIL"],
        dpo_contact=config.get("PRIVACY_DPO_CONTACT"),
        authority_name=config.get("PRIVACY_SUPERVISORY_AUTHORITY"),
        authority_url=config.get("PRIVACY_SUPERVISORY_AUTHORITY_URL"),
        processors=config.get("PRIVACY_PROCESSORS"),
        archive_copies=bool((config.get("MAIL_ARCHIVE_BCC") or "").strip()),
        retention=retention_periods(config),
        at_risk_retention_days=config["RETENTION_DAYS_AT_RISK"],
        rate_limit_hours=longest_rate_limit_hours(config),
        log_retention_days=config["LOG_RETENTION_DAYS"],
        erasure_link_hours=config["ERASURE_LINK_MAX_AGE_HOURS"],
        status_link_days=config["STATUS_LINK_MAX_AGE_DAYS"],
        translation_host=translation_host(config),
    )


def translation_host(config: Mapping) -> str | None:
    """Return the host editors may send texts to for translation, None while they may not:
    the notice names it only when the service is configured and switched on."""
    endpoint = previews_endpoint(config)
    return endpoint.service_host if endpoint is not None else None
