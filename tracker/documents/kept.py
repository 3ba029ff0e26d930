"""Files an applicant chose, kept with the form's one-time token until the application is stored.

A form comes back to the applicant many times before it is sent (an invalid answer, the
language switch, a rate-limited post, "change" on the check page), and a browser never
re-fills a file input. So each file that passed `stage_upload` (the same checks and limits
as ever) is kept here, and only a refused file has to be chosen again::

    kept/<keyed digest of the form token>/<kind>        the bytes
    kept/<keyed digest of the form token>/<kind>.json   name, type, size, sha256, flags

They are kept in the storage backend (a folder under STORAGE_ROOT, or objects under the
S3 prefix), not on the app server's own disk: behind a load balancer the next post of the
same form may reach another app server, which must find them.

The folder is named by an HMAC of the token, never the token itself: a listing of the
storage reveals no token, and only a request carrying a genuinely signed ticket can name a
folder. A kept file is never an application's document: `submit_application` stores each
kept file as a new object (`store_kept`: on disk a second name for the same file, in S3 a
copy) in its one transaction, then discards the folder. `flask storage reconcile --delete`
removes folders whose token has expired.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from tracker.documents.refusals import no_space
from tracker.documents.storage import backend
from tracker.documents.storage.backend import is_out_of_space
from tracker.documents.validate import StagedFile, stage_upload
from tracker.enums import DocumentKind, FileType
from tracker.tokens import keyed_digest

__all__ = ["KeptFile", "discard", "expire", "forget", "keep", "kept_files", "store_kept"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptFile:
    """A checked file kept for a form: where it is (*folder*, *kind*) and what it is."""

    folder: str
    kind: DocumentKind
    filename: str
    file_type: FileType
    content_type: str
    size: int
    sha256: str
    flags: tuple[str, ...] = ()
    original_sha256: str = ""
    metadata_removed: tuple[str, ...] = ()


def folder_of(token: str) -> str:
    """Return the name of *token*'s kept-files folder."""
    # A purpose prefix: the same token's digest for another use must not name this folder.
    return keyed_digest(f"kept-files\0{token}")


def _metadata(staged: StagedFile) -> bytes:
    return json.dumps(
        {
            "filename": staged.filename,
            "file_type": staged.file_type.value,
            "content_type": staged.content_type,
            "size": staged.size,
            "sha256": staged.sha256,
            "flags": list(staged.flags),
            "original_sha256": staged.original_sha256,
            "metadata_removed": list(staged.metadata_removed),
        }
    ).encode()


def _kept(folder: str, kind: DocumentKind, meta: dict) -> KeptFile:
    return KeptFile(
        folder=folder,
        kind=kind,
        filename=str(meta["filename"]),
        file_type=FileType(meta["file_type"]),
        content_type=str(meta["content_type"]),
        size=int(meta["size"]),
        sha256=str(meta["sha256"]),
        flags=tuple(meta.get("flags", ())),
        original_sha256=str(meta.get("original_sha256", "")),
        metadata_removed=tuple(meta.get("metadata_removed", ())),
    )


def keep(token: str, kind: DocumentKind, upload: FileStorage) -> KeptFile:
    """Check *upload* as every upload is checked and keep it as *token*'s *kind* document.

    A file kept earlier for the same kind is replaced. The bytes are written before their
    description, and `store_kept` checks the bytes against the description's sha256, so
    a half-done replacement is never taken for the applicant's file.

    :raises UploadError: the file is refused; nothing new is kept, and the earlier file of
        this kind (if any) is left as it was.
    """
    staged = stage_upload(upload)
    folder = folder_of(token)
    store = backend()
    try:
        store.put_kept(folder, kind.value, staged.path)
        store.put_kept_bytes(folder, f"{kind.value}.json", _metadata(staged))
    except BaseException as error:
        staged.path.unlink(missing_ok=True)
        if is_out_of_space(error):
            raise no_space() from error
        raise
    return _kept(folder, kind, json.loads(_metadata(staged)))


def kept_files(token: str | None) -> dict[DocumentKind, KeptFile]:
    """Return the files kept for *token*, by kind, in the order of the kinds (none for None)."""
    if not token:
        return {}
    folder = folder_of(token)
    store = backend()
    names = store.kept_names(folder)
    found = {}
    for kind in DocumentKind:
        if kind.value not in names or f"{kind.value}.json" not in names:
            continue
        try:
            with store.open_kept(folder, f"{kind.value}.json") as handle:
                found[kind] = _kept(folder, kind, json.loads(handle.read()))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written or damaged: as if never kept, the field asks again
    return found


def forget(token: str, kind: DocumentKind) -> None:
    """Remove *token*'s kept *kind* file (the applicant chose another one, which was refused)."""
    backend().remove_kept(folder_of(token), [f"{kind.value}.json", kind.value])


def discard(token: str) -> None:
    """Remove every file kept for *token* (its application is stored); never raise."""
    try:
        backend().remove_kept(folder_of(token))
    except Exception:
        # The application is committed and matters more; reconcile sweeps the folder later.
        logger.warning("could not remove kept files", exc_info=True)


def expire(older_than: float, *, delete: bool = True) -> list[str]:
    """Return (and with *delete*, remove) the folders untouched for *older_than* seconds.

    A folder changes whenever a file is kept, and its token was issued before that, so a
    folder older than the form tickets' lifetime belongs to a token that has expired.
    """
    cutoff = time.time() - older_than
    store = backend()
    expired = sorted(folder for folder, changed in store.kept_folders().items() if changed < cutoff)
    if delete:
        for folder in expired:
            store.remove_kept(folder)
    return expired


def store_kept(kept: KeptFile) -> str:
    """Store a kept file as a new document object, checking it is still the same file.

    The kept file stays where it is: if the application then fails to commit, the
    applicant's files are still there for the next attempt.

    :returns: the new object's key (remove it with `storage.delete_stored` on failure).
    :raises ValueError: the kept file changed after it was checked.
    """
    return backend().store_kept(kept.folder, kept.kind.value, kept.sha256)
