"""The master key of encryption at rest: read from STORAGE_KEY or STORAGE_KEY_FILE, named by id.

Kept apart from `sealing` so that the app checks its configuration without loading
``cryptography`` when encryption at rest is off.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from tracker.config import ConfigError

KEY_FORMAT_MESSAGE = (
    "STORAGE_KEY must be 32 bytes written as 64 hex characters or as base64 "
    "(make one with: openssl rand -base64 32)"
)


def parse_key(text: str) -> bytes:
    """Return the 32-byte key written as 64 hex characters or base64; raise ConfigError."""
    text = text.strip()
    try:
        key = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(KEY_FORMAT_MESSAGE) from None
    if len(key) != 32:
        raise ConfigError(KEY_FORMAT_MESSAGE)
    return key


def read_key_file(path: str, name: str = "STORAGE_KEY_FILE") -> bytes:
    """Return the key held in the file at *path*; raise ConfigError if it cannot be read."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name} cannot be read: {path} ({error.__class__.__name__})") from None
    return parse_key(text)


def master_key(config: dict) -> bytes | None:
    """Return the configured master key, None when encryption at rest is off.

    :raises ConfigError: both variables set, a malformed key, or an unreadable key file.
    """
    inline, path = config.get("STORAGE_KEY"), config.get("STORAGE_KEY_FILE")
    if inline and path:
        raise ConfigError("STORAGE_KEY and STORAGE_KEY_FILE are both set; set only one")
    if path:
        return read_key_file(path)
    return parse_key(inline) if inline else None


def key_id(key: bytes) -> bytes:
    """Return the 8-byte id of *key* that sealed headers carry (not secret: a hash prefix)."""
    return hashlib.sha256(key).digest()[:8]
