"""The SFTP adapter against a real SFTP server on the loopback interface."""

from __future__ import annotations

import paramiko
import pytest

from openrcm.clearinghouse.base import ClearinghouseError
from openrcm.clearinghouse.sftp import SftpClearinghouse, key_fingerprint
from openrcm.clearinghouse.tests.sftp_server import LoopbackSftpServer


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "remote"
    (root / "outbound").mkdir(parents=True)
    (root / "inbound").mkdir()
    with LoopbackSftpServer(root) as running:
        yield running


def adapter(server, tmp_path, **overrides):
    fields = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": server.user,
        "password": server.password,
        "host_key": key_fingerprint(server.host_key),
        "ledger": tmp_path / "ledger.tsv",
        "timeout": 10,
    }
    fields.update(overrides)
    return SftpClearinghouse(**fields)


def test_upload_once_and_download_responses(server, tmp_path):
    sftp = adapter(server, tmp_path)
    submission = sftp.submit("OPENRCM-B1.837", b"ISA*...~")
    assert submission.startswith("SFTP-")
    assert (server.root / "outbound" / "OPENRCM-B1.837").read_bytes() == b"ISA*...~"
    assert sftp.find_submission("OPENRCM-B1.837") == submission
    assert sftp.find_submission("OPENRCM-B2.837") is None
    with pytest.raises(ClearinghouseError, match="not sent again"):
        sftp.submit("OPENRCM-B1.837", b"ISA*...~")
    (server.root / "inbound" / "B1.999").write_bytes(b"999 content")
    (server.root / "inbound" / "B1.277CA").write_bytes(b"277 content")
    assert sftp.fetch_responses() == [("B1.277CA", b"277 content"), ("B1.999", b"999 content")]
    sftp.remove_response("B1.999")
    assert [n for n, _ in sftp.fetch_responses()] == ["B1.277CA"]


def test_the_remote_outbox_is_found_even_without_the_ledger(server, tmp_path):
    (server.root / "outbound" / "OPENRCM-B7.837").write_bytes(b"sent before a crash")
    assert adapter(server, tmp_path, ledger=None).find_submission("OPENRCM-B7.837")


def test_a_wrong_host_key_is_refused(server, tmp_path):
    other = paramiko.RSAKey.generate(2048)
    sftp = adapter(server, tmp_path, host_key=key_fingerprint(other))
    with pytest.raises(ClearinghouseError) as caught:
        sftp.submit("OPENRCM-B1.837", b"data")
    assert caught.value.code == "clearinghouse_host_key"
    assert not (server.root / "outbound" / "OPENRCM-B1.837").exists()


def test_an_unknown_host_is_refused_with_an_empty_known_hosts(server, tmp_path):
    known = tmp_path / "known_hosts"
    known.write_text("")
    sftp = adapter(server, tmp_path, host_key=None, known_hosts=str(known))
    with pytest.raises(ClearinghouseError, match="refused"):
        sftp.fetch_responses()


def test_a_known_hosts_entry_is_accepted(server, tmp_path):
    known = tmp_path / "known_hosts"
    key = server.host_key
    known.write_text(f"[127.0.0.1]:{server.port} {key.get_name()} {key.get_base64()}\n")
    sftp = adapter(server, tmp_path, host_key=None, known_hosts=str(known))
    assert sftp.fetch_responses() == []


def test_wrong_password_says_so(server, tmp_path):
    with pytest.raises(ClearinghouseError, match="credentials"):
        adapter(server, tmp_path, password="wrong").fetch_responses()
