"""Fees as people type them: stored as integers of the minor unit, absurd ones refused."""

import pytest
from flask_babel import force_locale

from tracker.money import AmountError, edit_text, format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("250", 25000),
        ("250,50", 25050),
        ("250.5", 25050),
        ("1.250,00", 125000),
        ("1 250", 125000),
        ("1\u00a0250,75", 125075),
        ("1,250.00", 125000),
        ("1,250", 125000),
        (" 250 EUR ", 25000),
        ("0", 0),
        ("20000", 2000000),
    ],
)
def test_amounts_are_read_as_people_write_them(text, minor):
    assert parse_amount(text, "EUR") == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "An amount cannot be negative."),
        ("2.5e3", "Please write the amount in digits, e.g. 250 or 250,50."),
        ("NaN", "Please write the amount in digits, e.g. 250 or 250,50."),
        ("", "Please write the amount in digits, e.g. 250 or 250,50."),
        ("1,25,0", "Please write the amount in digits, e.g. 250 or 250,50."),
        ("250,5055", "EUR has at most 2 decimal places."),
        (
            "20000,01",
            "20000,01 is more than a piece can cost (at most 20000 EUR). Please check the amount.",
        ),
    ],
)
def test_amounts_that_cannot_be_fees_are_refused_with_a_reason(app, text, message):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(AmountError) as error:
            parse_amount(text, "EUR")
        # Read in English: the message is translated when it is read.
        assert str(error.value.args[0]) == message


def test_the_cap_is_per_currency():
    assert parse_amount("9.000.000", "AMD") == 900_000_000
    with pytest.raises(AmountError):
        parse_amount("20001", "USD")


def test_amounts_are_shown_in_the_readers_way(app):
    with app.test_request_context():
        assert format_amount(25050, "EUR", "de") == "250,50\u00a0€"
        assert format_amount(25050, "EUR", "en") == "€250.50"
        assert format_amount(125000, "GEL", "ru") == "1\u00a0250,00\u00a0GEL"
    assert edit_text(25050, "EUR") == "250.50"
    assert edit_text(None, "EUR") == ""
