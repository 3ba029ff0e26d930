"""Money as the newsroom writes it: fees and rates in a currency's minor unit, never floats.

An amount is typed as people write it in German, English or Russian – "250", "250,50",
"250.50", "1.250,00", "1 250", "1,250.00" – and stored as an integer of the currency's
minor unit (CURRENCY_MINOR_UNITS: 250 EUR is 25000). A separator followed by exactly
three digits groups thousands; one or two digits after the last separator are the minor
unit. Negative amounts, more decimals than the currency has, and amounts above
CURRENCY_MAX_FEE (a typo, never a fee) are refused with a message.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from tracker.enums import CURRENCY_MAX_FEE, CURRENCY_MINOR_UNITS, Currency

# Digits in groups, with any of the separators people type between them.
_AMOUNT = re.compile(r"[0-9]+(?:[ \u00a0\u202f.,'][0-9]+)*")
_SEPARATORS = re.compile(r"[ \u00a0\u202f.,']")


class AmountError(ValueError):
    """An amount cannot be a fee; the message says why, in the user's language."""


def parse_amount(text: str | None, currency: str | Currency) -> int:
    """Return *text* as an integer of *currency*'s minor unit, or raise AmountError."""
    currency = Currency(currency)
    value = (text or "").strip().removesuffix(currency.value).strip()
    if value.startswith("-"):
        raise AmountError(_l("An amount cannot be negative."))
    if not _AMOUNT.fullmatch(value):
        raise AmountError(_l("Please write the amount in digits, e.g. 250 or 250,50."))
    parts = _SEPARATORS.split(value)
    units = CURRENCY_MINOR_UNITS[currency]
    minor_digits = ""
    if len(parts) > 1 and len(parts[-1]) != 3:
        minor_digits = parts.pop()
        if len(minor_digits) > units:
            raise AmountError(
                _l(
                    "%(currency)s has at most %(units)s decimal places.",
                    currency=currency.value,
                    units=units,
                )
            )
    if any(len(group) != 3 for group in parts[1:]):
        raise AmountError(_l("Please write the amount in digits, e.g. 250 or 250,50."))
    major = int("".join(parts))
    if major > CURRENCY_MAX_FEE[currency] or (
        major == CURRENCY_MAX_FEE[currency] and minor_digits.strip("0")
    ):
        raise AmountError(
            _l(
                "%(amount)s is more than a piece can cost (at most %(max)s %(currency)s). "
                "Please check the amount.",
                amount=value,
                max=CURRENCY_MAX_FEE[currency],
                currency=currency.value,
            )
        )
    return major * 10**units + int(minor_digits.ljust(units, "0") or 0)


def amount_decimal(minor: int, currency: str | Currency) -> Decimal:
    """Return *minor* units of *currency* as an exact Decimal (25000 EUR-cents → 250.00)."""
    units = CURRENCY_MINOR_UNITS[Currency(currency)]
    return Decimal(minor).scaleb(-units).quantize(Decimal(1).scaleb(-units))


def format_amount(minor: int, currency: str | Currency, locale=None) -> str:
    """Return the amount as readers of *locale* (default: the page's) write it: "250,00 €"."""
    return format_currency(
        amount_decimal(minor, currency), str(currency), locale=locale or get_locale() or "de"
    )


def edit_text(minor: int | None, currency: str | Currency) -> str:
    """Return *minor* as a form field shows it for editing ("250.50"), "" for none."""
    return "" if minor is None else str(amount_decimal(minor, currency))
