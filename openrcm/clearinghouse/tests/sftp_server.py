"""A real SFTP server on 127.0.0.1 (a random port) over a folder, for the tests.

paramiko's own server classes: ``ServerInterface`` (password auth for one user) and
``SFTPServer`` with a small ``SFTPServerInterface`` that maps paths into ``root``.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)
from paramiko.sftp import SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED


class _Server(paramiko.ServerInterface):
    def __init__(self, user: str, password: str):
        self.user, self.password = user, password

    def check_auth_password(self, username, password):
        if (username, password) == (self.user, self.password):
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def get_allowed_auths(self, username):
        return "password"

    def check_channel_request(self, kind, chanid):
        return OPEN_SUCCEEDED if kind == "session" else OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name):
        return super().check_channel_subsystem_request(channel, name)


class _Handle(paramiko.SFTPHandle):
    filename: str
    readfile: Any
    writefile: Any


def _folder_sftp(root: Path) -> type[paramiko.SFTPServerInterface]:
    class FolderSFTP(paramiko.SFTPServerInterface):
        def _path(self, path: str) -> Path:
            full = (root / path.lstrip("/")).resolve()
            if root not in (full, *full.parents):
                raise PermissionError(path)
            return full

        def _error(self, exc: OSError) -> int:
            return (
                paramiko.SFTPServer.convert_errno(exc.errno)
                if exc.errno
                else SFTP_PERMISSION_DENIED
            )

        def list_folder(self, path):
            try:
                folder = self._path(path)
                out = []
                for name in os.listdir(folder):
                    attr = paramiko.SFTPAttributes.from_stat(os.stat(folder / name))
                    attr.filename = name
                    out.append(attr)
                return out
            except OSError as exc:
                return self._error(exc)

        def stat(self, path):
            try:
                return paramiko.SFTPAttributes.from_stat(os.stat(self._path(path)))
            except OSError as exc:
                return self._error(exc)

        lstat = stat

        def open(self, path, flags, attr):
            try:
                full = self._path(path)
                fd = os.open(full, flags | getattr(os, "O_BINARY", 0), 0o600)
                mode = (
                    "rb"
                    if not flags & (os.O_WRONLY | os.O_RDWR)
                    else ("r+b" if flags & os.O_RDWR else "wb")
                )
                if flags & os.O_APPEND:
                    mode = "ab"
                handle = _Handle(flags)
                f = os.fdopen(fd, mode)
                handle.filename = str(full)
                handle.readfile = f
                handle.writefile = f
                return handle
            except OSError as exc:
                return self._error(exc)

        def remove(self, path):
            try:
                os.remove(self._path(path))
            except FileNotFoundError:
                return SFTP_NO_SUCH_FILE
            return SFTP_OK

        def rename(self, oldpath, newpath):
            os.rename(self._path(oldpath), self._path(newpath))
            return SFTP_OK

        posix_rename = rename

        def chattr(self, path, attr):
            return SFTP_OK

    return FolderSFTP


class LoopbackSftpServer:
    """``with LoopbackSftpServer(root) as server:`` → ``server.port``, ``server.host_key``."""

    def __init__(self, root: Path, user: str = "openrcm", password: str = "s3cret-test"):  # noqa: S107 - test server
        self.root = Path(root).resolve()
        self.user, self.password = user, password
        self.host_key = _generated_key()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._transports: list[paramiko.Transport] = []

    def _serve(self):
        self._socket.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _folder_sftp(self.root))
            self._transports.append(transport)
            try:
                transport.start_server(server=_Server(self.user, self.password))
            except (paramiko.SSHException, EOFError, OSError):
                continue

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        for transport in self._transports:
            transport.close()
        self._socket.close()


def _generated_key() -> paramiko.PKey:
    return paramiko.RSAKey.generate(2048)
