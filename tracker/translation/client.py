"""LibreTranslate's HTTP API: POST /translate, with a timeout and no redirects followed.

The request is :func:`tracker.outbound.post`'s: it never follows a redirect, so a service
(or whoever answers at its address) cannot send the applicant's text on to another host,
and nothing but the one request leaves the server. https certificates are verified.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tracker.outbound import OutboundFailed, post
from tracker.translation.endpoint import TranslationEndpoint

# The most bytes of an answer read: a translation of MAX_SENT_CHARACTERS is far smaller,
# and a service that sends more is not answering our question.
MAX_RESPONSE_BYTES = 1024 * 1024
TARGET_LANGUAGE = "de"


class TranslationFailed(Exception):
    """The service gave no usable translation; *reason* says why, for the editor's message.

    Reasons: ``unreachable``, ``timeout``, ``http_error`` (with *http_status*), ``bad_response``.
    """

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason if status is None else f"{reason} {status}")
        self.reason = reason
        self.http_status = status


@dataclass(frozen=True)
class Translation:
    """A translated text, and the source language the service detected (None if it did not say)."""

    text: str
    detected_language: str | None


def translate(
    text: str, *, endpoint: TranslationEndpoint, api_key: str | None, timeout: float
) -> Translation:
    """Ask the service at *endpoint* for *text* in German; return its answer.

    :raises TranslationFailed: the service cannot be reached or does not answer within
        *timeout* seconds, answers with anything but 200 (a redirect included), or its
        answer is not JSON with a non-empty ``translatedText`` string.
    """
    payload = {"q": text, "source": "auto", "target": TARGET_LANGUAGE, "format": "text"}
    if api_key:
        payload["api_key"] = api_key
    body = json.dumps(payload).encode()
    try:
        answer = post(
            endpoint,
            body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            timeout=timeout,
            max_bytes=MAX_RESPONSE_BYTES,
        )
    except OutboundFailed as error:
        raise TranslationFailed(error.reason) from error
    if answer.status != 200:
        raise TranslationFailed("http_error", answer.status)
    if answer.truncated:
        raise TranslationFailed("bad_response")
    return _parse(answer.body)


def _parse(raw: bytes) -> Translation:
    """Return the translation in a LibreTranslate answer, or raise ``bad_response``."""
    try:
        answer = json.loads(raw)
    except ValueError as error:
        raise TranslationFailed("bad_response") from error
    translated = answer.get("translatedText") if isinstance(answer, dict) else None
    if not isinstance(translated, str) or not translated.strip():
        raise TranslationFailed("bad_response")
    detected = answer.get("detectedLanguage")
    language = detected.get("language") if isinstance(detected, dict) else None
    # A language code only (en, pt-BR, zh-Hans): anything else is not shown.
    if (
        not isinstance(language, str)
        or not 2 <= len(language) <= 10
        or not all(char.isascii() and (char.isalnum() or char == "-") for char in language)
    ):
        language = None
    return Translation(translated, language)
