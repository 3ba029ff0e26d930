"""A job kind of the tests' own, whose handler does what the test tells it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tracker.jobs.registry import KINDS, JobKind

ECHO = "test_echo"


class Echo:
    """The handler of ECHO jobs: records each job it runs, or raises what it is given."""

    def __init__(self) -> None:
        self.ran: list[int] = []
        self.errors: list[BaseException] = []
        self.passes = 0
        self._lock = threading.Lock()

    def __call__(self, job, resource) -> bool:
        assert resource == "pass resource"
        with self._lock:
            self.ran.append(job.id)
            if self.errors:
                raise self.errors.pop(0)
        return True

    @contextmanager
    def open_pass(self) -> Iterator[str]:
        self.passes += 1
        yield "pass resource"


@contextmanager
def echo_kind(**options) -> Iterator[Echo]:
    """Declare the ECHO kind for one test (JOB_* settings unless *options* say otherwise)."""
    echo = Echo()
    KINDS[ECHO] = JobKind(name=ECHO, run=echo, label="Echo", open_pass=echo.open_pass, **options)
    try:
        yield echo
    finally:
        del KINDS[ECHO]
