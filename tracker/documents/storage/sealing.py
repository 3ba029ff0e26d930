"""Encryption at rest: the sealed-object format, the master key, streamed sealing and opening.

With ``STORAGE_KEY`` (or ``STORAGE_KEY_FILE``) set, every object the storage layer writes is
sealed; without it nothing here runs. A sealed object is a small header followed by chunks::

    header (65 bytes, at the start of the object itself)
        magic       8  b"\\x89TRKENC\\x00" (not text: a TXT upload cannot start with it by chance)
        version     1  1
        key id      8  first 8 bytes of SHA-256 of the master key that wrapped the data key
        wrapped    40  the object's own random 256-bit data key, AES key wrap (RFC 3394)
        prefix      8  random nonce prefix of this object
    chunks
        AES-256-GCM of 64 KiB of plaintext each (ciphertext + 16-byte tag); the last chunk
        holds 0..64 KiB - 1 bytes, so a chunk shorter than a full one is the last. Nonce =
        prefix + 4-byte chunk counter, so reordered chunks fail; the associated data is
        magic + version + a final-chunk flag, so a truncated object (cut at a chunk edge,
        whose new last chunk was not sealed as final) fails too. Chunks of another object
        fail because its data key is another.

Why the header lives in the object: it travels with it through backups and copies, needs
no database column or S3 metadata (which copies and S3-compatible services treat
differently), and rotation rewrites only these 65 bytes (`reseal`), never the chunks: the
key id and wrapped key are deliberately not part of the chunks' associated data.

Objects stored before encryption was switched on have no magic and are read as they are
(`storage encrypt` seals them in place).
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from tracker.documents.storage.backend import CHUNK_SIZE
from tracker.documents.storage.keys import key_id

logger = logging.getLogger(__name__)

MAGIC = b"\x89TRKENC\x00"
VERSION = 1
HEADER_SIZE = len(MAGIC) + 1 + 8 + 40 + 8
TAG_SIZE = 16
SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE


class TamperedObject(ValueError):
    """A sealed object failed authentication (changed, cut short, or reordered), or no
    configured key opens it: its bytes are never handed out."""


def _associated(final: bool) -> bytes:
    return MAGIC + bytes([VERSION, 1 if final else 0])


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def new_header(key: bytes) -> tuple[bytes, bytes, bytes]:
    """Return a fresh ``(header, data key, nonce prefix)`` wrapped under *key*."""
    data_key = AESGCM.generate_key(bit_length=256)
    prefix = secrets.token_bytes(8)
    header = MAGIC + bytes([VERSION]) + key_id(key) + aes_key_wrap(key, data_key) + prefix
    return header, data_key, prefix


def parse_header(header: bytes) -> tuple[bytes, bytes, bytes] | None:
    """Return ``(key id, wrapped key, nonce prefix)``, or None for a plaintext object."""
    if not header.startswith(MAGIC):
        return None
    if len(header) < HEADER_SIZE or header[len(MAGIC)] != VERSION:
        raise TamperedObject("sealed object header is cut short or of an unknown version")
    start = len(MAGIC) + 1
    return (
        header[start : start + 8],
        header[start + 8 : start + 48],
        header[start + 48 : HEADER_SIZE],
    )


def unwrap(header: bytes, keys: list[bytes]) -> tuple[bytes, bytes]:
    """Return ``(data key, prefix)`` of a sealed *header*, unwrapped by whichever of *keys*
    it names. :raises TamperedObject: no key of ours wrapped it, or the wrap was changed."""
    parsed = parse_header(header)
    if parsed is None:
        raise TamperedObject("not a sealed object")
    wanted, wrapped, prefix = parsed
    for key in keys:
        if key_id(key) == wanted:
            try:
                return aes_key_unwrap(key, wrapped), prefix
            except InvalidUnwrap:
                break
    raise TamperedObject(f"no configured key opens this object (key id {wanted.hex()})")


def seal_stream(source: BinaryIO, key: bytes) -> Iterator[bytes]:
    """Yield the sealed form of *source*: the header, then one sealed chunk at a time."""
    header, data_key, prefix = new_header(key)
    yield header
    cipher = AESGCM(data_key)
    counter = 0
    while True:
        chunk = _read_full(source, CHUNK_SIZE)
        final = len(chunk) < CHUNK_SIZE
        yield cipher.encrypt(_nonce(prefix, counter), chunk, _associated(final))
        if final:
            return
        counter += 1


def seal_to_file(source: BinaryIO, path: Path, key: bytes) -> None:
    """Write the sealed form of *source* to a brand-new file at *path* (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as sealed:
        for block in seal_stream(source, key):
            sealed.write(block)


def plaintext_size(sealed_size: int) -> int:
    """Return the plaintext size of a sealed object of *sealed_size* bytes."""
    body = sealed_size - HEADER_SIZE
    chunks = body // SEALED_CHUNK + 1
    return body - TAG_SIZE * chunks


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Read exactly *size* bytes unless the stream ends first (network streams read short)."""
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class OpenedObject(io.RawIOBase):
    """A read-only stream of a sealed object's plaintext, one chunk authenticated at a time.

    At most one sealed chunk (64 KiB + 16) is read from storage and one plaintext chunk is
    held at any moment; nothing is returned before its chunk's tag is checked.
    """

    def __init__(self, raw: BinaryIO, data_key: bytes, prefix: bytes, name: str = ""):
        super().__init__()
        self.raw = raw
        self.cipher = AESGCM(data_key)
        self.prefix = prefix
        self.name_for_log = name
        self.counter = 0
        self.buffer = b""
        self.done = False
        # The sizes requested from storage, for tests that check memory stays bounded.
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        self.largest_read = max(self.largest_read, SEALED_CHUNK)
        sealed = _read_full(self.raw, SEALED_CHUNK)
        final = len(sealed) < SEALED_CHUNK
        try:
            self.buffer = self.cipher.decrypt(
                _nonce(self.prefix, self.counter), sealed, _associated(final)
            )
        except InvalidTag:
            logger.error("storage: sealed object %s failed authentication", self.name_for_log)
            raise TamperedObject("a stored object failed authentication") from None
        self.counter += 1
        self.done = final

    def readinto(self, target) -> int:
        if not self.buffer and not self.done:
            self._next_chunk()
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()


def open_sealed(raw: BinaryIO, keys: list[bytes], name: str = "") -> BinaryIO:
    """Return a plaintext stream of *raw*: decrypted if sealed, else *raw* as stored.

    The first chunk is authenticated here, so a wrong key or a changed small object fails
    before a caller (a download) has sent anything. Closes *raw* on failure.
    """
    try:
        header = _read_full(raw, HEADER_SIZE)
        if parse_header(header) is None:
            return io.BufferedReader(_Prepended(header, raw))
        data_key, prefix = unwrap(header, keys)
        opened = OpenedObject(raw, data_key, prefix, name)
        opened._next_chunk()
    except BaseException:
        raw.close()
        raise
    return opened


class _Prepended(io.RawIOBase):
    """*head* followed by the rest of *raw*: a plaintext object whose first bytes were read."""

    def __init__(self, head: bytes, raw: BinaryIO):
        super().__init__()
        self.head, self.raw = head, raw

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        if self.head:
            size = min(len(target), len(self.head))
            target[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.raw.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()


def reseal(raw: BinaryIO, path: Path, keys: list[bytes], new: bytes) -> str:
    """Write *raw* to a new file at *path*, wrapped under *new*; return what was done.

    ``"skipped"``: already wrapped under *new* (nothing written). ``"rewrapped"``: a new
    header, the chunks copied byte for byte (content is not re-encrypted). ``"encrypted"``:
    a plaintext object, sealed whole.
    """
    header = _read_full(raw, HEADER_SIZE)
    parsed = parse_header(header)
    if parsed is not None and parsed[0] == key_id(new):
        return "skipped"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        if parsed is None:
            for block in seal_stream(io.BufferedReader(_Prepended(header, raw)), new):
                out.write(block)
            return "encrypted"
        data_key, prefix = unwrap(header, keys)
        out.write(MAGIC + bytes([VERSION]) + key_id(new) + aes_key_wrap(new, data_key) + prefix)
        while block := raw.read(CHUNK_SIZE):
            out.write(block)
    return "rewrapped"
