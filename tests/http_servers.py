"""Real HTTP servers on loopback for tests of tracker's outbound requests (translations,
webhooks): a WSGI function served from a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@contextmanager
def serving(respond: Callable[[Request], Response]) -> Iterator[str]:
    """Serve ``respond(request)`` on 127.0.0.1; yield the base URL; stop at the end.

    A handler that waits for the test must be released before the block ends.
    """

    @Request.application
    def wsgi(request):
        return respond(request)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
