"""A real Dovecot on loopback for tests: IMAPS with a certificate of its own CA, and LMTP.

Everything lives under one temporary folder: the configuration, the passwd-file, the
maildir, the certificates, the sockets and the log. Tests deliver mail into the desk's
mailbox over LMTP (the protocol a mail server's last hop speaks) and read it back over
IMAP, exactly as the app does.
"""

from __future__ import annotations

import contextlib
import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "experts"
PASSWORD = "desk-mailbox-password-1"  # noqa: S105 - a test mailbox on loopback
DOMAIN = "example.org"


@dataclass(frozen=True)
class Dovecot:
    """A running Dovecot: where to reach it and the CA files that do and do not trust it."""

    root: Path
    imap_port: int
    lmtp_port: int
    starttls_port: int
    ca_file: Path
    wrong_ca_file: Path

    def imap_url(self, folder: str = "INBOX", *, starttls: bool = False) -> str:
        """Return the app's MAIL_IMAP_URL for the desk mailbox (imaps://, or imap:// on
        the port that offers STARTTLS)."""
        if starttls:
            return f"imap://{USER}:{PASSWORD}@{LOOPBACK}:{self.starttls_port}/{folder}"
        return f"imaps://{USER}:{PASSWORD}@{LOOPBACK}:{self.imap_port}/{folder}"

    def deliver(self, raw: bytes, recipient: str = f"{USER}@{DOMAIN}") -> None:
        """Deliver one message into the desk's INBOX over LMTP."""
        with smtplib.LMTP(LOOPBACK, self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail("sender@example.net", [recipient], raw)

    @contextlib.contextmanager
    def imap(self, folder: str = "INBOX"):
        """Yield an IMAP connection to *folder* of the desk's mailbox, logged in."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        with imaplib.IMAP4_SSL(LOOPBACK, self.imap_port, ssl_context=context, timeout=10) as imap:
            imap.login(USER, PASSWORD)
            imap.select(folder)
            yield imap

    def messages(self, folder: str = "INBOX") -> list[tuple[bytes, bool]]:
        """Return (raw message, seen) for every message left in *folder*, in order."""
        found = []
        with self.imap(folder) as imap:
            _, data = imap.uid("SEARCH", None, "ALL")
            for uid in data[0].split():
                _, parts = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                found.append((parts[0][1], b"\\Seen" in parts[0][0]))
        return found

    def empty(self) -> None:
        """Delete every message in the INBOX (tests share one server)."""
        with self.imap() as imap:
            _, data = imap.search(None, "ALL")
            if data[0]:
                imap.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                imap.expunge()


def _certificates(root: Path) -> tuple[Path, Path, Path, Path]:
    """Make a CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def authority(text: str):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(text))
            .issuer_name(name(text))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return key, cert

    ca_key, ca_cert = authority("tracker test CA")
    _, wrong_cert = authority("someone else's CA")
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(name(LOOPBACK))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = (root / "ca.pem", root / "wrong-ca.pem", root / "server.pem", root / "server.key")
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(wrong_cert.public_bytes(pem))
    paths[2].write_bytes(server_cert.public_bytes(pem))
    paths[3].write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths[3].chmod(0o600)
    return paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, str, str]:
    """Return the internal user, the login user and the owner of the mail files.

    As root, Dovecot's own Debian accounts (it refuses to give mail to uid 0); as anyone
    else, that account for everything (Dovecot then runs unprivileged).
    """
    if os.geteuid() == 0:
        return "dovecot", "dovenull", "dovecot"
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me, me


def start() -> Dovecot:
    """Start Dovecot in the foreground with everything under a new temporary folder.

    The folder is made here rather than under pytest's (mode 0700, owned by whoever runs
    the tests): Dovecot's own accounts must be able to reach the passwd-file and maildir.
    Remove it with :func:`stop`.
    """
    root = Path(tempfile.mkdtemp(prefix="tracker-dovecot-"))
    root.chmod(0o755)
    ca, wrong_ca, cert, key = _certificates(root)
    internal, login, owner = _accounts()
    uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrgid(pwd.getpwnam(owner).pw_gid).gr_gid
    mail = root / "mail"
    mail.mkdir()
    os.chown(mail, uid, gid)
    (root / "run").mkdir()
    (root / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail}/{USER}::\n", encoding="utf-8"
    )
    imap_port, lmtp_port, starttls_port = _free_port(), _free_port(), _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap lmtp
listen = {LOOPBACK}
base_dir = {root}/run
state_dir = {root}/run
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_username_format = %Ln
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = {LOOPBACK}
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = {LOOPBACK}
    port = {imap_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {LOOPBACK}
    port = {lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
""",
        encoding="utf-8",
    )
    # Dovecot's master binds every listener before it goes into the background, so when
    # this returns they all accept connections: nothing to wait for.
    started = subprocess.run(  # noqa: S603 - our own binary and config
        [DOVECOT, "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # the master keeps them open: no pipes to wait on
        stderr=subprocess.DEVNULL,  # its errors go to dovecot.log
        timeout=60,
        check=False,
    )
    if started.returncode != 0:
        log = root / "dovecot.log"
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(
            f"dovecot did not start: {log.read_text() if log.exists() else 'no log'}"
        )
    return Dovecot(root, imap_port, lmtp_port, starttls_port, ca, wrong_ca)


def stop(server: Dovecot) -> None:
    """Stop the Dovecot started by :func:`start` (its own master only) and remove its folder."""
    subprocess.run(  # noqa: S603 - our own binary and config
        [DOVECOT, "-c", str(server.root / "dovecot.conf"), "stop"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    shutil.rmtree(server.root, ignore_errors=True)
