"""The soak's S3 part: the submission and killed-worker runs with STORAGE_URL=s3://….

moto's standalone server (``moto_server``, a dev dependency) runs as its own process on
loopback, so that every gunicorn worker and this process talk to one S3 API. After the
runs, the bucket must hold exactly one object per document row once `storage reconcile
--delete` has removed what killed workers left (young orphans and staged objects), and
nothing else: every leftover is one that reconcile explains and removes.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tracker.documents import storage
from tracker.extensions import db

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
BUCKET = "tracker-soak"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "soak",
    "AWS_SECRET_ACCESS_KEY": "soak",
    "AWS_DEFAULT_REGION": "eu-central-1",
}


@contextlib.contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """Run moto's S3 server on a free loopback port; yield its endpoint URL."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"moto_server did not start; see {log}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def leftovers_explained(site, label: str, check) -> None:
    """Check that reconcile removes every object without a row, and only those."""
    with site.app.app_context():
        backend = storage.backend()
        staged = sum(
            1
            for _ in backend.client.list_objects_v2(
                Bucket=backend.bucket, Prefix=backend.name("staging/")
            ).get("Contents", ())
        )
        before = sum(1 for _ in backend.stored_objects())
        # Every server is stopped: nothing is in flight, so no grace period is needed.
        storage.GRACE_SECONDS, grace = 0, storage.GRACE_SECONDS
        try:
            report = storage.reconcile(delete=True)
        finally:
            storage.GRACE_SECONDS = grace
        after = sum(1 for _ in backend.stored_objects())
        left = backend.client.list_objects_v2(
            Bucket=backend.bucket, Prefix=backend.name("staging/")
        ).get("Contents", ())
        # A request killed between keeping its files and storing them leaves a kept-files
        # folder; reconcile removes it once the form's ticket has expired.
        kept = len(report.expired_kept) + len(backend.kept_folders())
        db.engine.dispose()
    _, documents, _, _ = site.counts()
    check(
        report.missing_files == [] and after == documents and not left,
        f"{label}: {before} objects and {staged} staged before `storage reconcile --delete`, "
        f"which removed {len(report.orphan_files)} orphan(s) and the staged ones: "
        f"{after} objects = {documents} document rows; {kept} kept-files folder(s) of "
        "killed requests, removed once their form's ticket expires",
    )


def run(folder: Path, database_url: str | None, site_class, scenarios, check) -> None:
    """Run *scenarios* on SQLite (and on *database_url* if given) with the S3 backend."""
    endpoint_log = folder / "moto.log"
    with moto_server(endpoint_log) as endpoint:
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS})
        import boto3

        boto3.client("s3").create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["AWS_DEFAULT_REGION"]},
        )
        sites = [("SQLite", f"sqlite:///{folder / 's3-sqlite' / 'tracker.db'}", "s3-sqlite")]
        if database_url:
            sites.append(("PostgreSQL", database_url, "s3-postgres"))
        for name, url, label in sites:
            print(f"== {name}, documents in S3 (moto on {endpoint}) ==")
            site = site_class(url, folder / label, storage_url=f"s3://{BUCKET}/{label}")
            for scenario in scenarios:
                scenario(site)
            leftovers_explained(site, "after the runs", check)
