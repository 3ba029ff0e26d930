"""A real Dovecot for the reply fetcher: started once per test process, emptied per test."""

from __future__ import annotations

import shutil

import pytest

from tests import dovecot


@pytest.fixture(scope="session")
def dovecot_server():
    """Dovecot from Debian's packages on loopback (.ci/run installs it)."""
    if not shutil.which("dovecot") and not dovecot.Path(dovecot.DOVECOT).exists():
        pytest.skip("no dovecot binary (apt-get install dovecot-imapd dovecot-lmtpd)")
    server, process = dovecot.start()
    yield server
    dovecot.stop(server, process)


@pytest.fixture
def desk_mailbox(dovecot_server, app_config):
    """The desk's mailbox, empty, with the app pointed at it (before `app` is built)."""
    dovecot_server.empty()
    app_config.update(
        MAIL_IMAP_URL=dovecot_server.imap_url(),
        MAIL_IMAP_CA_FILE=str(dovecot_server.ca_file),
        DESK_EMAIL=f"{dovecot.USER}@{dovecot.DOMAIN}",
    )
    return dovecot_server
