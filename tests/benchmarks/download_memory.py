"""Peak memory of downloading one large document, per storage backend (issue 15).

``python -m tests.benchmarks.download_memory [--mb 5]`` stores a document of that size
(written in chunks, never held whole), then downloads it through the authenticated view
in a fresh process per backend — the filesystem, and S3 on a ``moto_server`` of its own
(another process, so the server's copy is not counted) — and prints each process's peak
RSS before and after the download. Streamed, the two stay within a few MB of each other
whatever the size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CHUNK = 64 * 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: Path, size: int, storage_url: str | None) -> None:
    """Store *size* bytes as a document, download it once, print the peak RSS."""
    from tests.stored import new_application
    from tracker import create_app
    from tracker.calls import seed_default_call
    from tracker.documents.serve import send_document
    from tracker.documents.storage import new_staging_path, store_staged
    from tracker.extensions import db
    from tracker.models import Document, User

    app = create_app(
        {
            "SECRET_KEY": "download-memory-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'tracker.db'}",
            "STORAGE_ROOT": str(folder / "uploads"),
            "STORAGE_URL": storage_url,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        db.create_all()
        call, _ = seed_default_call()
        editor = User(email="editor@example.org", name="Editor", role="editor", password_hash="-")
        application = new_application(call)
        db.session.add_all([editor, application])
        staged, digest = new_staging_path(), hashlib.sha256()
        with open(staged, "wb") as handle:
            for _ in range(size // CHUNK):
                chunk = os.urandom(CHUNK)
                digest.update(chunk)
                handle.write(chunk)
        document = Document(
            application=application,
            kind="cv",
            filename="cv.pdf",
            file_type="pdf",
            content_type="application/pdf",
            size=size // CHUNK * CHUNK,
            sha256=digest.hexdigest(),
            storage_key=store_staged(staged),
            flags=[],
        )
        db.session.add(document)
        db.session.commit()
        before = peak_mb()
        with app.test_request_context():
            response = send_document(document, by=editor)
            received, check = 0, hashlib.sha256()
            for chunk in response.response:
                received += len(chunk)
                check.update(chunk)
            response.close()
        assert check.hexdigest() == document.sha256, "the download differs from the upload"
        label = "s3" if storage_url else "filesystem"
        print(
            f"{label:<10} {received / 1024 / 1024:.1f} MB downloaded, "
            f"Content-Length {response.headers['Content-Length']}: peak RSS {before:.1f} MB "
            f"before, {peak_mb():.1f} MB after (+{peak_mb() - before:.1f} MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=5)
    parser.add_argument("--child", choices=["filesystem", "s3"])
    arguments = parser.parse_args()
    size = arguments.mb * 1024 * 1024
    if arguments.child:
        folder = Path(tempfile.mkdtemp(prefix="tracker-download-"))
        url = "s3://tracker-download/bench" if arguments.child == "s3" else None
        measure(folder, size, url)
        return
    from tests.soak.s3 import CREDENTIALS, moto_server

    with tempfile.TemporaryDirectory(prefix="tracker-download-") as scratch:
        for backend in ("filesystem", "s3"):
            env = dict(os.environ)
            if backend == "s3":
                context = moto_server(Path(scratch) / "moto.log")
                endpoint = context.__enter__()
                env.update({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS})
                subprocess.run([sys.executable, "-c", _CREATE_BUCKET], env=env, check=True)
            try:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "tests.benchmarks.download_memory",
                        "--mb",
                        str(arguments.mb),
                        "--child",
                        backend,
                    ],
                    env=env,
                    check=True,
                )
            finally:
                if backend == "s3":
                    context.__exit__(None, None, None)


_CREATE_BUCKET = (
    "import boto3, os; boto3.client('s3').create_bucket(Bucket='tracker-download', "
    "CreateBucketConfiguration={'LocationConstraint': os.environ['AWS_DEFAULT_REGION']})"
)

if __name__ == "__main__":
    main()
