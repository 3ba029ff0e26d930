"""The pydantic models of the API shared by every route: problems, pages, references.

Each area's own models live beside its views. pydantic writes JSON Schema 2020-12, the
dialect of OpenAPI 3.1, so the document spectree builds from them needs no translation.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tracker.money import amount_decimal


class Problem(BaseModel):
    """A problem detail (RFC 9457), the body of every error."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Always about:blank: the status says what kind of problem.")
    title: str = Field(description="The HTTP status in words.")
    status: int
    detail: str = Field(description="What went wrong, and what to do about it.")
    errors: list[ParameterError] | None = Field(
        default=None, description="With 422: each invalid parameter and what is wrong with it."
    )


class ParameterError(BaseModel):
    """One invalid parameter of a request."""

    parameter: str
    message: str


Problem.model_rebuild()


class Money(BaseModel):
    """An amount of money: exact decimal text in the currency's minor units, never a float."""

    amount: str = Field(
        pattern=r"^[0-9]+(\.[0-9]+)?$",
        description='Decimal text with the currency\'s decimals, e.g. "250.50".',
        examples=["250.50"],
    )
    currency: str = Field(description="ISO 4217 code, e.g. EUR.", examples=["EUR"])


def money_out(minor: int | None, currency: str | None) -> Money | None:
    """Return *minor* units of *currency* as :class:`Money` (None for no amount)."""
    if minor is None or not currency:
        return None
    return Money(amount=str(amount_decimal(minor, currency)), currency=currency)
