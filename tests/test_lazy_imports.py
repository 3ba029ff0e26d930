"""Large libraries load where they are used, not with the app (issue 15: exports in 150 MB).

A process that only exports a CSV, sends mail or serves pages must not carry
pypdf and the Pillow it loads, pypdfium2, libmagic or zxcvbn: each is imported inside the
function that needs it. Checked in a fresh interpreter, since this one has loaded them all.
"""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = (
    "alembic",
    "flask_migrate",
    "pypdf",
    "PIL",
    "pypdfium2",
    "magic",
    "zxcvbn",
    "boto3",
    "botocore",
    # Encryption at rest: only with STORAGE_KEY set.
    "cryptography",
    "openpyxl",
    # The writing-sample facts' detector and MinHash (with numpy, scipy): the worker's.
    "lingua",
    "datasketch",
    "numpy",
    "scipy",
)

SCRIPT = """
import json, sys
from tracker import create_app
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    import tracker.cli, tracker.exports
print(json.dumps(sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)))
"""


def test_the_app_and_the_csv_export_load_no_large_library(tmp_path):
    config = {
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lazy.db'}",
        "STORAGE_ROOT": str(tmp_path / "uploads"),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(config), json.dumps(LAZY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_a_worker_freezes_what_its_app_built_before_serving(tmp_path):
    # tracker.wsgi moves the app's own objects out of the collector's reach, so a full
    # collection during a request walks only what requests allocate (README, Deploying).
    assert worker_prints(tmp_path, "gc.get_freeze_count() > 10_000") == "True\n"


def test_a_web_worker_loads_the_document_readers_before_its_first_request(tmp_path):
    # Not in the first applicant's upload after each start (README, Performance).
    expression = "[name in sys.modules for name in ('pypdf', 'magic', 'PIL.Image')]"
    assert worker_prints(tmp_path, expression) == "[True, True, True]\n"


def test_a_worker_starts_a_collection_after_ten_thousand_new_objects(tmp_path):
    # tracker.collector: a request's few thousand objects, freed by reference counting,
    # no longer start collections of their own (README, Performance).
    assert worker_prints(tmp_path, "gc.get_threshold()") == "(10000, 10, 10)\n"


def worker_prints(tmp_path, expression: str) -> str:
    """Return what a process that imported tracker.wsgi prints of *expression*."""
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}",
        "STORAGE_ROOT": str(tmp_path / "uploads"),
    }
    script = f"import gc, sys, tracker.wsgi; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout
