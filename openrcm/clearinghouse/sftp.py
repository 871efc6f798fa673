"""SFTP to a real clearinghouse (paramiko): 837 files go up to an outbound folder,
999/277CA/835 responses come down from an inbound folder.

The server's host key is always checked: against a known_hosts file
(``OPENRCM_SFTP_KNOWN_HOSTS``) or a configured key (``OPENRCM_SFTP_HOST_KEY``: a
fingerprint ``SHA256:...`` as ``ssh-keygen -lf`` prints it, or the public key line
``ssh-ed25519 AAAA...``). An unknown or different key is refused; there is no "trust on
first use". Settings: ``OPENRCM_SFTP_HOST``, ``_PORT`` (22), ``_USER``, ``_PASSWORD`` or
``_KEY_FILE``, ``_HOST_KEY`` / ``_KNOWN_HOSTS``, ``_OUTBOX`` ("outbound"), ``_INBOX``
("inbound").

Exactly-once: files are uploaded under a temporary name and renamed, so the clearinghouse
never picks up half a file; each sent name is written to a local ledger
(``VAR_DIR/sftp/submitted.tsv``) right after the rename, and ``find_submission`` looks in
the ledger and in the remote outbound folder.
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import paramiko
from django.conf import settings

from openrcm.clearinghouse.base import Clearinghouse, ClearinghouseError


def key_fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:<base64>`` as OpenSSH prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class _ExpectedKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Accept the server only when its key is the configured one; refuse otherwise."""

    def __init__(self, expected: str) -> None:
        self.expected = expected.strip()

    def matches(self, key: paramiko.PKey) -> bool:
        if self.expected.startswith("SHA256:"):
            return key_fingerprint(key).rstrip("=") == self.expected.rstrip("=")
        parts = self.expected.split()
        return len(parts) >= 2 and parts[0] == key.get_name() and parts[1] == key.get_base64()

    def missing_host_key(self, client: Any, hostname: str, key: paramiko.PKey) -> None:
        if not self.matches(key):
            raise paramiko.SSHException(
                f"host key of {hostname} is {key.get_name()} {key_fingerprint(key)}, not the "
                "configured one"
            )


class SftpClearinghouse(Clearinghouse):
    def __init__(
        self,
        *,
        host: str,
        username: str,
        port: int = 22,
        password: str | None = None,
        key_file: str | None = None,
        host_key: str | None = None,
        known_hosts: str | None = None,
        outbox: str = "outbound",
        inbox: str = "inbound",
        ledger: Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not host_key and not known_hosts:
            raise ClearinghouseError(
                "SFTP needs the server's host key: set OPENRCM_SFTP_HOST_KEY (its SHA256 "
                "fingerprint) or OPENRCM_SFTP_KNOWN_HOSTS (a known_hosts file)",
                code="clearinghouse_config",
            )
        self.host, self.port, self.username = host, port, username
        self.password, self.key_file = password, key_file
        self.host_key, self.known_hosts = host_key, known_hosts
        self.outbox, self.inbox = outbox, inbox
        self.ledger = ledger
        self.timeout = timeout

    @contextmanager
    def _session(self) -> Iterator[paramiko.SFTPClient]:
        client = paramiko.SSHClient()
        if self.known_hosts:
            client.load_host_keys(self.known_hosts)
        policy: paramiko.MissingHostKeyPolicy = (
            _ExpectedKeyPolicy(self.host_key) if self.host_key else paramiko.RejectPolicy()
        )
        client.set_missing_host_key_policy(policy)
        where = f"{self.username}@{self.host}:{self.port}"
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                key_filename=self.key_file,
                look_for_keys=False,
                allow_agent=False,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise ClearinghouseError(
                f"refused {where}: its host key changed ({exc}); confirm the new key with the "
                "clearinghouse before trusting it",
                code="clearinghouse_host_key",
            ) from exc
        except paramiko.AuthenticationException as exc:
            client.close()
            raise ClearinghouseError(
                f"{where} refused the credentials; check OPENRCM_SFTP_USER and the password "
                "or key file",
                code="clearinghouse_auth",
            ) from exc
        except (TimeoutError, paramiko.SSHException, OSError) as exc:
            client.close()
            host_key = "host key" in str(exc) or "known_hosts" in str(exc)
            raise ClearinghouseError(
                f"refused {where}: {exc}"
                if host_key
                else f"could not reach {where}: {exc}; try again later",
                code="clearinghouse_host_key" if host_key else "clearinghouse_unreachable",
            ) from exc
        try:
            sftp = client.open_sftp()
            try:
                yield sftp
            finally:
                sftp.close()
        finally:
            client.close()

    @staticmethod
    def _submission_id(data: bytes) -> str:
        return f"SFTP-{hashlib.sha256(data).hexdigest()[:16]}"

    def _ledger_lookup(self, file_name: str) -> str | None:
        if self.ledger is None or not self.ledger.exists():
            return None
        for line in self.ledger.read_text().splitlines():
            name, _, submission = line.partition("\t")
            if name == file_name:
                return submission
        return None

    def _ledger_add(self, file_name: str, submission: str) -> None:
        if self.ledger is None:
            return
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        with self.ledger.open("a") as handle:
            handle.write(f"{file_name}\t{submission}\n")

    def submit(self, file_name: str, data: bytes) -> str:
        if "/" in file_name or file_name.startswith("."):
            raise ClearinghouseError(f"{file_name!r} is not a plain file name")
        target = posixpath.join(self.outbox, file_name)
        partial = posixpath.join(self.outbox, f".{file_name}.part")
        with self._session() as sftp:
            try:
                sftp.stat(target)
            except FileNotFoundError:
                pass
            else:
                raise ClearinghouseError(
                    f"{file_name} is already in the clearinghouse's {self.outbox} folder; "
                    "not sent again",
                    code="clearinghouse_duplicate",
                )
            sftp.putfo(io.BytesIO(data), partial, file_size=len(data), confirm=True)
            sftp.posix_rename(partial, target)
        submission = self._submission_id(data)
        self._ledger_add(file_name, submission)
        return submission

    def find_submission(self, file_name: str) -> str | None:
        recorded = self._ledger_lookup(file_name)
        if recorded is not None:
            return recorded
        with self._session() as sftp:
            try:
                with sftp.open(posixpath.join(self.outbox, file_name), "rb") as handle:
                    return self._submission_id(handle.read())
            except FileNotFoundError:
                return None

    def fetch_responses(self) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        with self._session() as sftp:
            for entry in sorted(sftp.listdir_attr(self.inbox), key=lambda e: e.filename):
                name = entry.filename
                if name.startswith(".") or entry.st_mode is None or (entry.st_mode & 0o040000):
                    continue
                with sftp.open(posixpath.join(self.inbox, name), "rb") as handle:
                    found.append((name, handle.read()))
        return found

    def remove_response(self, name: str) -> None:
        with self._session() as sftp, suppress(FileNotFoundError):
            sftp.remove(posixpath.join(self.inbox, name))


def sftp_from_settings() -> SftpClearinghouse:
    host = getattr(settings, "OPENRCM_SFTP_HOST", "")
    user = getattr(settings, "OPENRCM_SFTP_USER", "")
    if not host or not user:
        raise ClearinghouseError(
            "the SFTP clearinghouse is not configured: set OPENRCM_SFTP_HOST and "
            "OPENRCM_SFTP_USER (and a password or key file, and the host key)",
            code="clearinghouse_config",
        )
    return SftpClearinghouse(
        host=host,
        port=int(getattr(settings, "OPENRCM_SFTP_PORT", 22)),
        username=user,
        password=getattr(settings, "OPENRCM_SFTP_PASSWORD", None) or None,
        key_file=getattr(settings, "OPENRCM_SFTP_KEY_FILE", None) or None,
        host_key=getattr(settings, "OPENRCM_SFTP_HOST_KEY", None) or None,
        known_hosts=getattr(settings, "OPENRCM_SFTP_KNOWN_HOSTS", None) or None,
        outbox=getattr(settings, "OPENRCM_SFTP_OUTBOX", "outbound"),
        inbox=getattr(settings, "OPENRCM_SFTP_INBOX", "inbound"),
        ledger=Path(settings.VAR_DIR) / "sftp" / "submitted.tsv",
    )
