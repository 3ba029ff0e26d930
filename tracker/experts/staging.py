"""An uploaded import file kept between the dry run and the import, never longer.

The admin page shows the dry run of an upload, then imports it when asked: between the
two requests the file waits under IMPORT_STAGING_DIR (the instance folder by default,
never a static or document folder) with a random name, readable by the app only, and
the page holds a signed token naming it. The token expires after
IMPORT_STAGE_MAX_AGE_MINUTES; the file goes when it is imported or discarded, and every
new upload first removes files older than that, so none is left behind for long.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker import tokens
from tracker.experts.import_files import ImportFileError, file_format, too_large
from tracker.experts.importing import ImportReport, check_file, import_experts
from tracker.models import User

_CHUNK = 64 * 1024
# The names staging gives: nothing a token could smuggle a path into.
_STAGED_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(csv|xlsx)")


@dataclass
class StagedFile:
    """A staged upload: where it is, its kind, and the name it was uploaded under."""

    path: Path
    kind: str
    filename: str


def staging_dir() -> Path:
    """Return the folder staged uploads wait in."""
    return Path(current_app.config["IMPORT_STAGING_DIR"])


def remove_expired(now: float | None = None) -> int:
    """Remove staged files older than IMPORT_STAGE_MAX_AGE_MINUTES; return how many."""
    folder = staging_dir()
    if not folder.is_dir():
        return 0
    limit = (now or time.time()) - current_app.config["IMPORT_STAGE_MAX_AGE_MINUTES"] * 60
    removed = 0
    for path in folder.iterdir():
        if _STAGED_NAME.fullmatch(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def stage_upload(stream: IO[bytes], filename: str) -> str:
    """Keep the upload *stream* (named *filename*) for its import; return its token.

    :raises ImportFileError: not a CSV or XLSX name, or larger than IMPORT_MAX_BYTES.
    """
    kind = file_format(filename)
    remove_expired()
    folder = staging_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.{kind}"
    path = folder / name
    limit = current_app.config["IMPORT_MAX_BYTES"]
    written = 0
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise too_large()
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    # Only the base name is kept, shortened: it is shown on the page, never used as a path.
    shown = Path(filename.replace("\\", "/")).name[:120]
    return tokens.sign(tokens.Purpose.EXPERT_IMPORT, {"name": name, "filename": shown})


def staged_file(token: str | None) -> StagedFile:
    """Return the staged upload *token* names.

    :raises ImportFileError: the token is damaged or expired, or its file is gone.
    """
    gone = ImportFileError(
        _l("This upload has expired or was already imported. Please upload the file again.")
    )
    try:
        data = tokens.load(tokens.Purpose.EXPERT_IMPORT, token)
    except tokens.TokenInvalid as error:
        raise gone from error
    name = data.get("name", "") if isinstance(data, dict) else ""
    if not _STAGED_NAME.fullmatch(name):
        raise gone
    path = staging_dir() / name
    if not path.is_file():
        raise gone
    return StagedFile(path, name.rpartition(".")[2], str(data.get("filename", "")))


def check_upload(token: str | None) -> tuple[StagedFile, ImportReport]:
    """Return the staged upload *token* names and its dry run (importing.check_file).

    :raises ImportFileError: the upload is gone.
    """
    staged = staged_file(token)
    return staged, check_file(staged.path, staged.kind)


def discard_upload(token: str | None) -> None:
    """Remove the staged upload *token* names, if it is still there."""
    with contextlib.suppress(ImportFileError):
        staged_file(token).path.unlink(missing_ok=True)


def import_upload(token: str | None, *, by: User) -> ImportReport:
    """Import the staged upload *token* names (importing.import_experts), then remove it.

    The file is removed whatever happens: a refused file must be uploaded again anyway.

    :raises ImportFileError: the upload is gone.
    :raises ImportRefused: the file as a whole cannot be imported.
    """
    staged = staged_file(token)
    try:
        return import_experts(staged.path, staged.kind, by=by)
    finally:
        staged.path.unlink(missing_ok=True)
