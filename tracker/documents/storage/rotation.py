"""The master key's life: checked when the app starts, rotated and applied by commands.

``flask storage rotate-key --new-key-file F`` wraps every object's data key (and every kept
file's) under the new master key; ``flask storage encrypt`` seals the objects stored before
encryption was switched on, under the current key. Both are `reseal_all`: one object at a
time, an object already under the target key is skipped (its header's key id), so a run
that stopped half-way is simply run again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from tracker.config import ConfigError
from tracker.documents.storage import backend
from tracker.documents.storage.keys import master_key
from tracker.extensions import db
from tracker.models import Document

logger = logging.getLogger(__name__)

WRONG_KEY_MESSAGE = (
    "STORAGE_KEY does not open the stored documents ({reason}); refusing to start rather "
    "than serve garbage: set the key they were stored with"
)


def sample_key() -> str | None:
    """Return the storage key of the newest document (the one checked at start), if any."""
    try:
        return db.session.scalar(select(Document.storage_key).order_by(Document.id.desc()).limit(1))
    except SQLAlchemyError:
        # No schema yet (a fresh install before `flask db upgrade`): nothing is stored.
        db.session.rollback()
        return None


def check_storage_key() -> None:
    """Refuse to start (ConfigError) with a malformed or unreadable key, or one that cannot
    unwrap the newest document's data key. Run by create_app inside an app context.

    Only the header is read (65 bytes): a start costs one small read, and a document
    changed by someone is reported when it is read, not by refusing to start.
    """
    key = master_key(current_app.config)
    if key is None:
        return
    from tracker.documents.storage.sealing import (
        HEADER_SIZE,
        TamperedObject,
        parse_header,
        unwrap,
    )

    sample = sample_key()
    db.session.remove()
    if sample is None:
        return
    store = backend()
    try:
        raw, _ = store.inner.open(sample)
        with raw:
            header = raw.read(HEADER_SIZE)
    except (OSError, ValueError):
        # Missing or unreachable: reconcile reports it; it proves nothing about the key.
        logger.warning("storage: could not read document %s to check STORAGE_KEY", sample)
        return
    try:
        if parse_header(header) is not None:
            unwrap(header, store.keys)
    except TamperedObject as error:
        # The app is never made: close its pooled connection rather than leave it to GC.
        db.engine.dispose()
        raise ConfigError(WRONG_KEY_MESSAGE.format(reason=error)) from None


def reseal_all(new: bytes, progress: Callable[[str], None]) -> Counter:
    """Wrap every object and kept file under *new*; return the count of each outcome.

    Outcomes: ``rewrapped``, ``encrypted`` (was plaintext), ``skipped`` (already under
    *new*), ``failed`` (missing, unreadable, or no configured key opens it; logged). The
    newest document, which the start check reads, goes last: until the very end the app
    still starts with the old key, so an interrupted run is run again with it.

    :raises ValueError: encryption at rest is off (no STORAGE_KEY).
    """
    from tracker.documents.storage.encrypted import EncryptedBackend

    store = backend()
    if not isinstance(store, EncryptedBackend):
        raise ValueError("STORAGE_KEY is not set: there is no key to rotate or encrypt with")
    last = sample_key()
    keys = sorted((key for key, _ in store.stored_objects()), key=lambda key: key == last)
    counts: Counter = Counter()
    for number, key in enumerate(keys, 1):
        counts[_outcome(key, store.reseal_object, key, new)] += 1
        if number % 100 == 0 or number == len(keys):
            progress(f"{number}/{len(keys)} objects")
    for folder in sorted(store.kept_folders()):
        for name in sorted(store.kept_names(folder)):
            counts[_outcome(f"kept/{folder}/{name}", store.reseal_kept, folder, name, new)] += 1
    return counts


def _outcome(name: str, reseal: Callable[..., str], *args) -> str:
    try:
        return reseal(*args)
    except (OSError, ValueError):
        logger.warning("storage: could not re-wrap %s", name, exc_info=True)
        return "failed"
