"""Keep document bytes in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph RGW).

Chosen by ``STORAGE_URL=s3://bucket/prefix``; boto3 reads the endpoint and credentials
itself (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_DEFAULT_REGION``). Layout under the prefix::

    staging/<random>          uploads on their way in, removed on commit or failure
    objects/<key>             accepted documents; key = 32 lowercase hex characters
    kept/<folder>/<name>      files kept with a form (kept.py), so any app server finds them

An upload is checked on local disk first (libmagic and the structural checks need a
file), then written to ``staging/``, copied to ``objects/<new key>`` and the staged object
removed. Object names are built only from checked keys and fixed words, never from
anything an applicant sent. The bucket stays private: every download streams through our
authenticated view, never a public or presigned URL.

boto3 is imported here only, and this module only when an s3:// URL is configured.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tracker.documents.storage.backend import (
    KEPT_FOLDER_PATTERN,
    KEY_PATTERN,
    Backend,
    StorageUnreachable,
    check_kept_name,
    check_key,
    new_key,
)
from tracker.documents.storage.filesystem import check_staged, ensure_dir

logger = logging.getLogger(__name__)

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


def _service(method: Callable) -> Callable:
    """Turn the S3 client's errors into the OSErrors every caller of storage expects."""

    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(error.response["Error"].get("Code")) from error
            raise StorageUnreachable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnreachable(str(error)) from error

    return call


class S3Backend(Backend):
    """Objects in *bucket* under *prefix*; commits are copy-then-delete of a staged object.

    *scratch* is a local folder (``STORAGE_ROOT``) for uploads being checked and for
    `local_copy`; it never holds a document once a request is over.
    """

    def __init__(self, bucket: str, prefix: str, scratch: Path):
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.scratch = Path(scratch).resolve()
        # Retries with backoff for throttling and dropped connections (botocore's standard
        # mode); one client per process is thread-safe. Checksums only where S3 requires
        # them: many S3-compatible services (and copies of multipart uploads) answer the
        # newer default checksums wrongly, and every document's sha256 is in the database.
        self.client = boto3.client(
            "s3",
            config=Config(
                retries={"mode": "standard", "max_attempts": 5},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def name(self, *parts: str) -> str:
        """Return the object name of *parts* under the prefix (parts are checked by callers)."""
        return self.prefix + "/".join(parts)

    def _object(self, key: str) -> str:
        return self.name("objects", check_key(key))

    def _head(self, name: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _list(self, prefix: str) -> Iterator[dict]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.name(prefix)
        )
        for page in pages:
            yield from page.get("Contents", ())

    def _put(self, name: str, handle: BinaryIO) -> None:
        # One PUT, read from the open file in blocks by botocore: uploads are limited to
        # MAX_FILE_SIZE, far below S3's 5 GB for one PUT, and a multipart upload would
        # buffer parts in memory on threads of its own inside a web worker.
        size = os.fstat(handle.fileno()).st_size
        self.client.put_object(Bucket=self.bucket, Key=name, Body=handle, ContentLength=size)

    def _delete_quietly(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except (ClientError, BotoCoreError):
            # On an error path: the original error matters more; reconcile sweeps it later.
            logger.warning("storage: could not remove %s", name, exc_info=True)

    def staging_dir(self) -> Path:
        return ensure_dir(self.scratch / "staging")

    # -- objects -------------------------------------------------------------------------------

    @_service
    def store_staged(self, path: Path) -> str:
        staging = self.scratch / "staging"
        fd = check_staged(path, staging)
        staged = self.name("staging", new_key())
        committed = None
        try:
            with os.fdopen(fd, "rb") as handle:
                self._put(staged, handle)
            while True:
                key = new_key()
                # 128 random bits do not collide; checking means a copy never overwrites.
                if self._head(self._object(key)) is None:
                    break
            committed = self._object(key)
            self.client.copy_object(
                Bucket=self.bucket, Key=committed, CopySource={"Bucket": self.bucket, "Key": staged}
            )
            self.client.delete_object(Bucket=self.bucket, Key=staged)
        except BaseException:
            # The caller never learns the key of an object copied just before an error:
            # remove whatever this call wrote, so no orphan is left.
            if committed is not None:
                self._delete_quietly(committed)
            self._delete_quietly(staged)
            raise
        Path(path).unlink(missing_ok=True)
        return key

    @_service
    def open(self, key: str) -> tuple[BinaryIO, int]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from error
            raise
        return response["Body"], int(response["ContentLength"])

    @_service
    def delete(self, key: str) -> None:
        # DeleteObject succeeds for a missing key as well.
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    @_service
    def duplicate(self, key: str, *, share: bool = False) -> str:
        new = new_key()
        self.client.copy_object(
            Bucket=self.bucket,
            Key=self._object(new),
            CopySource={"Bucket": self.bucket, "Key": self._object(key)},
        )
        return new

    @_service
    def rewrite(self, key: str, path: Path) -> None:
        # S3 objects cannot be changed in part: the object is written again whole.
        fd = check_staged(path, self.scratch / "staging")
        with os.fdopen(fd, "rb") as handle:
            self._put(self._object(key), handle)
        Path(path).unlink(missing_ok=True)

    @_service
    def exists(self, key: str) -> bool:
        # An unreachable service raises (StorageUnreachable): reconcile must not report
        # every row as missing its file during an outage.
        try:
            name = self._object(key)
        except ValueError:
            return False
        return self._head(name) is not None

    @_service
    def stored_objects(self) -> Iterator[tuple[str, float]]:
        # Listed whole here (two floats and a short string per object), so that an error
        # halfway through is raised as StorageUnreachable like every other.
        start = len(self.name("objects/"))
        found = []
        for item in self._list("objects/"):
            name = item["Key"][start:]
            if KEY_PATTERN.fullmatch(name):
                found.append((name, item["LastModified"].timestamp()))
            else:
                logger.warning("storage: unexpected object objects/%s", name)
        return iter(found)

    @_service
    def remove_stale_staging(self, cutoff: float) -> None:
        for item in self._list("staging/"):
            if item["LastModified"].timestamp() < cutoff:
                self.client.delete_object(Bucket=self.bucket, Key=item["Key"])

    # -- kept files ----------------------------------------------------------------------------

    @_service
    def put_kept(self, folder: str, name: str, path: Path) -> None:
        check_kept_name(folder, name)
        with open(path, "rb") as handle:
            self._put(self.name("kept", folder, name), handle)
        Path(path).unlink(missing_ok=True)

    @_service
    def put_kept_bytes(self, folder: str, name: str, data: bytes) -> None:
        check_kept_name(folder, name)
        self.client.put_object(Bucket=self.bucket, Key=self.name("kept", folder, name), Body=data)

    @_service
    def open_kept(self, folder: str, name: str) -> BinaryIO:
        check_kept_name(folder, name)
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=self.name("kept", folder, name)
            )
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(name) from error
            raise
        return response["Body"]

    @_service
    def kept_names(self, folder: str) -> set[str]:
        check_kept_name(folder)
        start = len(self.name("kept", folder, ""))
        return {item["Key"][start:] for item in self._list(f"kept/{folder}/")}

    @_service
    def remove_kept(self, folder: str, names: list[str] | None = None) -> None:
        check_kept_name(folder)
        if names is None:
            names = sorted(self.kept_names(folder))
        for name in names:
            check_kept_name(folder, name)
            self.client.delete_object(Bucket=self.bucket, Key=self.name("kept", folder, name))

    @_service
    def kept_folders(self) -> dict[str, float]:
        start = len(self.name("kept/"))
        folders: dict[str, float] = {}
        for item in self._list("kept/"):
            folder = item["Key"][start:].split("/", 1)[0]
            if KEPT_FOLDER_PATTERN.fullmatch(folder):
                changed = item["LastModified"].timestamp()
                folders[folder] = max(changed, folders.get(folder, changed))
        return folders
