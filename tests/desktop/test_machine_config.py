"""Silent, pre-configured roll-out (issue 11, item 2): a machine-wide configuration file sets
the server address, language, extra CA certificate, proxy, profile folder and locks, and the
client honours each, end to end against real servers."""

import datetime as dt
import http.client
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop import local_server, machine_config
from desktop.app import ProfileOpener
from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import account
from desktop.models.db_lane import InlineLane
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Connection, Offline, Transport
from desktop.qt import QComboBox, QLabel, QLineEdit, QSettings
from desktop.qt_locale import apply_language
from desktop.views.unlock_dialog import SetupDialog
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import PASSPHRASE, free_port


@pytest.fixture
def system_conf(tmp_path, monkeypatch) -> Iterator[Path]:
    """This test's own system-wide settings file and user scope (both empty at first)."""
    system = tmp_path / "etc-xdg"
    (system / "IMI").mkdir(parents=True)
    monkeypatch.setenv("IMI_SYSTEM_CONFIG_DIR", str(system))
    monkeypatch.delenv("IMI_SERVER_URL", raising=False)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "user-config"))
    yield system / "IMI" / "imi-desk.conf"
    set_language("en")
    apply_language("en")


def write(conf: Path, **values: str) -> None:
    lines = ["[General]", *(f"{key}={value}" for key, value in values.items())]
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- reading -------------------------------------------------------------------------------


def test_the_file_sets_each_setting(system_conf, tmp_path, monkeypatch):
    ca = make_ca(tmp_path)
    monkeypatch.setenv("IMI_TEST_USER", "kiss.anna")
    write(system_conf, server_url="https://imi.example.eu", language="hu",
          training_server_url="https://training.imi.example.eu", ca_bundle=str(ca.bundle),
          proxy="http://proxy.example.eu:3128", profiles_dir="/srv/imi/$IMI_TEST_USER",
          locked="server_url, proxy")

    config = machine_config.load()

    assert config.problems == ()
    assert config.source == str(system_conf)
    assert (config.server_url, config.training_server_url, config.language) == (
        "https://imi.example.eu", "https://training.imi.example.eu", "hu")
    assert config.ca_bundle == str(ca.bundle)
    assert config.connection == Connection(ca_bundle=str(ca.bundle),
                                           proxy="http://proxy.example.eu:3128")
    assert config.profile_dir(training=False) == Path("/srv/imi/kiss.anna/profile")
    assert config.profile_dir(training=True) == Path("/srv/imi/kiss.anna/training")
    assert config.locked == {"server_url", "proxy"}


def test_users_choices_win_except_where_locked(system_conf):
    write(system_conf, server_url="https://imi.example.eu", language="de",
          proxy="http://proxy:3128", locked="language")
    config = machine_config.load()
    machine_config.save_user_choices(config, language="fr", proxy="http://own-proxy:8080",
                                     server_url="https://other.example.eu")

    again = machine_config.load()

    assert again.language == "de"  # locked: the user's "fr" was never written
    assert again.proxy == "http://own-proxy:8080"
    assert again.server_url == "https://other.example.eu"
    write(system_conf, server_url="https://imi.example.eu", language="de",
          proxy="http://proxy:3128", locked="all")
    assert machine_config.load().proxy == "http://proxy:3128"  # now locked: the machine's


def test_environment_pre_fills_the_server_unless_locked(system_conf, monkeypatch):
    monkeypatch.setenv("IMI_SERVER_URL", "http://127.0.0.1:9")
    write(system_conf, server_url="https://imi.example.eu")
    assert machine_config.load().server_url == "http://127.0.0.1:9"
    write(system_conf, server_url="https://imi.example.eu", locked="server_url")
    assert machine_config.load().server_url == "https://imi.example.eu"


def test_bad_entries_are_named_and_ignored(system_conf, tmp_path):
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("hello")
    write(system_conf, server_url="imi.example.eu", language="xx", proxy="socks://p:1",
          ca_bundle=str(not_pem), locked="language, no_such_key")

    config = machine_config.load()

    assert (config.server_url, config.language, config.proxy, config.ca_bundle) == ("",) * 4
    assert len(config.problems) == 4
    assert any("language 'xx'" in p for p in config.problems)
    assert config.locked == {"language"}


# -- the set-up dialog ----------------------------------------------------------------------


def test_set_up_dialog_shows_the_settings_and_greys_the_locked_ones(qtbot, system_conf):
    write(system_conf, server_url="https://imi.example.eu", language="hu",
          proxy="http://proxy:3128", locked="server_url, language")
    config = machine_config.load()
    dialog = SetupDialog(lambda _form: None, config=config, languages=["en", "de", "hu", "fr"])
    qtbot.addWidget(dialog)

    server = dialog.findChild(QLineEdit, "serverUrl")
    language = dialog.findChild(QComboBox, "language")
    proxy = dialog.findChild(QLineEdit, "proxy")
    assert (server.text(), server.isEnabled()) == ("https://imi.example.eu", False)
    assert (language.currentData(), language.isEnabled()) == ("hu", False)
    assert (proxy.text(), proxy.isEnabled()) == ("http://proxy:3128", True)
    assert dialog.findChild(QLineEdit, "caBundle").isEnabled()
    assert dialog.findChild(QLabel, "lockedNote") is not None


# -- honoured end to end --------------------------------------------------------------------


def test_server_language_and_profile_folder_are_honoured(qtbot, system_conf, live_server,
                                                         tmp_path):
    write(system_conf, server_url=live_server.url, language="hu",
          profiles_dir=str(tmp_path / "profiles"), locked="language")
    config = machine_config.load()
    opener = ProfileOpener(None, config=config)
    dialog = SetupDialog(opener.start_set_up, config=config, languages=["en", "de", "hu"])
    qtbot.addWidget(dialog)
    for name, value in (("username", "hu.kovacs"), ("password", DEMO_PASSWORD),
                        ("passphrase", PASSPHRASE), ("repeat", PASSPHRASE)):
        qtbot.keyClicks(dialog.findChild(QLineEdit, name), value)

    dialog._try()  # signs in off the GUI thread
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    opener.background.shutdown()

    assert dialog.error.text() == ""
    assert opener.profile is not None and opener.key is not None
    assert opener.profile.path == tmp_path / "profiles" / "profile"
    assert opener.profile.server_url == live_server.url
    controller = AppController(opener.profile, opener.key, language=config.language,
                               connection=config.connection, language_locked=True)
    qtbot.addWidget(controller.window)
    try:
        assert controller.window.language.currentData() == "hu"
        assert not controller.window.language.isEnabled()
        assert controller.window.folders.item(0).text().startswith("Beérkezett")
    finally:
        controller.shutdown()


def test_extra_ca_certificate_lets_the_client_trust_the_servers_tls(system_conf, live_server,
                                                                     tmp_path):
    ca = make_ca(tmp_path)
    process, url = local_server.start(live_server.data_dir, tls=(ca.cert, ca.key, ca.bundle))
    try:
        # Without the administrator's CA the self-signed chain is refused...
        with pytest.raises(Offline, match="CERTIFICATE_VERIFY_FAILED"):
            Transport(url).meta()
        # ...with it, in addition to the usual CAs, set-up and sync work over TLS.
        write(system_conf, server_url=url, ca_bundle=str(ca.bundle))
        config = machine_config.load()
        profile, _key, replica = account.set_up(
            tmp_path / "p", server_url=config.server_url, username="de.weber",
            password=DEMO_PASSWORD, passphrase=PASSPHRASE, connection=config.connection)
        transport = Transport(url, token=replica.get_meta("token"),
                              connection=config.connection, training=False)
        try:
            SyncEngine(transport=transport, device_id=profile.device_id,
                       db=InlineLane(replica)).sync()
            assert replica.areas()
        finally:
            transport.close()
            replica.close()
    finally:
        local_server.stop(process)


def test_proxy_carries_every_call_to_the_server(system_conf, live_server, tmp_path):
    with forward_proxy() as proxy:
        write(system_conf, server_url=live_server.url, proxy=proxy.url, locked="proxy")
        config = machine_config.load()
        profile, _key, replica = account.set_up(
            tmp_path / "p", server_url=config.server_url, username="fr.martin",
            password=DEMO_PASSWORD, passphrase=PASSPHRASE, connection=config.connection)
        transport = Transport(config.server_url, token=replica.get_meta("token"),
                              connection=config.connection, training=False)
        try:
            SyncEngine(transport=transport, device_id=profile.device_id,
                       db=InlineLane(replica)).sync()
        finally:
            transport.close()
            replica.close()
        paths = [urlsplit(url).path for url in proxy.seen]
        assert {"/v1/meta", "/v1/auth/login", "/v1/sync/pull"} <= set(paths)
        assert all(url.startswith(live_server.url) for url in proxy.seen)

    # The proxy is down: the client does not go around it.
    with pytest.raises(Offline):
        Transport(live_server.url, connection=config.connection).meta()


# -- helpers: a CA made here, and a small forwarding HTTP proxy -------------------------------


class _Ca:
    def __init__(self, cert: Path, key: Path, bundle: Path) -> None:
        self.cert, self.key, self.bundle = cert, key, bundle


def make_ca(folder: Path) -> _Ca:
    """A private CA and a certificate it signs for 127.0.0.1, as an administration has."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "IMI test administration CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, key_cert_sign=True, crl_sign=True,
                   content_commitment=False, key_encipherment=False, data_encipherment=False,
                   key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = _Ca(folder / "server.pem", folder / "server.key", folder / "ca.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    paths.bundle.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths


class _Proxy:
    def __init__(self, server: ThreadingHTTPServer, seen: list[str]) -> None:
        self.server, self.seen = server, seen
        self.url = f"http://127.0.0.1:{server.server_address[1]}"


class forward_proxy:
    """An HTTP forward proxy on 127.0.0.1 (absolute-form requests), recording each URL."""

    def __enter__(self) -> _Proxy:
        seen: list[str] = []

        class Forward(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                seen.append(self.path)
                target = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("proxy-connection", "connection")}
                upstream.request(self.command, target.path + (f"?{target.query}"
                                                               if target.query else ""),
                                 body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection",
                                           "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_HEAD = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Forward)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.proxy = _Proxy(server, seen)
        return self.proxy

    def __exit__(self, *exc: object) -> None:
        self.proxy.server.shutdown()
        self.proxy.server.server_close()


