"""The browser tests' server waits for the requests it is serving before a test ends."""

import threading

from tests.e2e.conftest import RequestsInFlight


def test_closing_waits_for_a_running_request_then_refuses_new_ones():
    entered, release = threading.Event(), threading.Event()

    def app(environ, start_response):
        entered.set()
        release.wait()
        start_response("200 OK", [])
        return [b"served"]

    requests = RequestsInFlight(app)
    body = []
    request = threading.Thread(target=lambda: body.extend(requests({}, lambda *_: None)))
    request.start()
    assert entered.wait(timeout=60)
    closing = threading.Thread(target=requests.close)
    closing.start()
    # close() cannot return while the request runs.
    assert closing.is_alive()
    assert requests.running == 1
    release.set()
    closing.join()
    request.join()
    assert body == [b"served"]
    assert requests.running == 0

    statuses = []
    later = requests({}, lambda status, headers: statuses.append(status))
    assert list(later) == [b"The test has ended."]
    assert statuses == ["503 Service Unavailable"]
    assert requests.running == 0
