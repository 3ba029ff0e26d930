"""Both storage backends for tests: a moto S3 server on loopback, and backend-neutral checks.

The S3 backend is tested against moto's standalone server (a real S3 API over HTTP on
127.0.0.1, run in a thread of the test process), never a mocked client. Each test gets a
prefix of its own in its worker's bucket, so tests and pytest-xdist workers never share
objects. Tests that age objects (reconcile's grace period) set the time the server
reports, since S3 offers no way to backdate an object.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import UTC, datetime

from tracker.documents.storage import backend, has_stored, open_stored
from tracker.documents.storage.filesystem import FilesystemBackend

BACKENDS = ["filesystem", "s3"]
REGION = "eu-central-1"
# moto's default account, whose backend the threaded server uses.
ACCOUNT = "123456789012"


def start_s3_server():
    """Start moto's S3 server on a free loopback port; return it and its bucket name."""
    import boto3
    from moto.server import ThreadedMotoServer

    # The server logs every request through werkzeug; the tests' output is no place for it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    bucket = f"tracker-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()
    boto3.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return server, bucket


def s3_url(bucket: str) -> str:
    """Return a STORAGE_URL for a prefix no other test uses."""
    return f"s3://{bucket}/test-{secrets.token_hex(6)}"


def raw_backend():
    """Return the backend that holds the bytes: under encryption at rest, the wrapped one."""
    active = backend()
    return getattr(active, "inner", active)


def is_s3() -> bool:
    return not isinstance(raw_backend(), FilesystemBackend)


def raw_blobs() -> dict[str, bytes]:
    """Return every object as stored, by name: all files under the storage root (objects,
    kept files, staging) and, with S3, every object under the test's prefix."""
    active = raw_backend()
    root = active.scratch if is_s3() else active.root
    found = {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }
    if is_s3():
        found.update({fake.name: fake.value for fake in _moto_keys("")})
    return found


def stored_bytes(key: str) -> bytes:
    """Return the bytes stored under *key*, through the storage interface."""
    with open_stored(key) as handle:
        return handle.read()


def object_exists(key: str) -> bool:
    return has_stored(key)


def _moto_keys(prefix: str):
    from moto.s3.models import s3_backends

    active = raw_backend()
    bucket = s3_backends[ACCOUNT]["aws"].buckets.get(active.bucket)
    if bucket is None:
        return []  # a test's bucket that does not exist holds nothing
    name = active.name(prefix)
    return [fake for key, fake in bucket.keys.items() if key.startswith(name)]


def _backdate(seconds: float) -> datetime:
    return datetime.fromtimestamp(time.time() - seconds, tz=UTC).replace(tzinfo=None)


def age_s3_objects(prefix: str, seconds: float) -> None:
    """Make the objects whose names start with *prefix* (under the test's prefix) look
    *seconds* old, as moto's server reports them."""
    for fake in _moto_keys(prefix):
        fake.last_modified = _backdate(seconds)


def age_object(key: str, seconds: float) -> None:
    """Make the object under *key* look *seconds* old (no sleeping)."""
    if is_s3():
        age_s3_objects(f"objects/{key}", seconds)
        return
    then = time.time() - seconds
    os.utime(raw_backend().path_for(key), (then, then), follow_symlinks=False)


def age_kept(folder: str, seconds: float) -> None:
    """Make the kept-files *folder* look untouched for *seconds*."""
    if is_s3():
        age_s3_objects(f"kept/{folder}/", seconds)
        return
    then = time.time() - seconds
    os.utime(raw_backend().root / "kept" / folder, (then, then), follow_symlinks=False)


def staged_objects() -> list[str]:
    """Return what is in the backend's staging area (S3's staging/ prefix; none on disk,
    where staging is the local folder)."""
    if not is_s3():
        return []
    return sorted(fake.name for fake in _moto_keys("staging/"))


def all_object_names() -> list[str]:
    """Return the keys under objects/ (for no-orphan checks)."""
    return sorted(key for key, _ in backend().stored_objects())


def s3_object_names() -> list[str]:
    """Return every object name under the test's S3 prefix (none with the filesystem)."""
    if not is_s3():
        return []
    return sorted(fake.name for fake in _moto_keys(""))
