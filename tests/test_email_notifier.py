"""The email fallback against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.config import EmailSettings
from bot.notifiers import FallbackNotConfigured, fallback_notifiers
from bot.notifiers.email import EmailNotifier
from bot.runtime import build_services
from handlers import views as v
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.pager import Delivery, DeliveryFailed, Pager
from storage import pages
from tests.conftest import RecordingNotifier

SENDER = "PatronGuard <patronguard@riverside-library.example>"
SMTP_USER = "patronguard"
SMTP_PASSWORD = "not-a-real-password"


class Mailbox:
    """An aiosmtpd handler that keeps every message, and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage, bool]] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), parsed, bool(session.authenticated)))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m, _ in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp(mailbox: Mailbox, port: int, **kwargs) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = start_smtp(mailbox, port)
    yield port
    controller.stop()


def plain_settings(port: int, **changes) -> EmailSettings:
    return EmailSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER, **changes)


def delivery(**changes) -> Delivery:
    fields = {
        "page_id": 1,
        "case_id": "PG-TEST01",
        "kind": "page",
        "channel": "email",
        "address": "director@riverside-library.example",
        "view": v.View(title="Records request, case PG-TEST01", case_id="PG-TEST01"),
    }
    return Delivery(**{**fields, **changes})


def email_and_console(port: int) -> dict:
    """The real email notifier, plus a recorder for the reporter's own card."""
    return {"email": EmailNotifier(plain_settings(port)), "console": RecordingNotifier()}


def body_of(message: EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")  # SMTP carries CRLF


async def test_page_arrives_with_minimal_subject_and_body(mailbox, smtp_port):
    notifier = EmailNotifier(plain_settings(smtp_port))
    assert await notifier.deliver(delivery()) is None  # an email cannot be edited later
    [message] = mailbox.to("director@riverside-library.example")
    assert message["Subject"] == "[PatronGuard] Records request, case PG-TEST01"
    assert message["From"] == SENDER
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Importance"] is None  # not urgent
    assert message.get_content_type() == "text/plain"
    assert body_of(message) == (
        "Records request, case PG-TEST01.\n"
        "Open PatronGuard in Slack or Teams and look for case PG-TEST01; "
        "if you cannot, phone the library.\n"
    )


async def test_urgent_case_carries_no_requester_agency_or_presentation(
    mailbox, smtp_port, settings, db_path, clock, staff, caplog
):
    services = build_services(settings, db_path, clock=clock, page_channels=frozenset({"email"}))
    pager = Pager(services, email_and_console(smtp_port))
    try:
        reply = await report_inquiry(services, staff)
        details = IntakeDetails(
            presented="search_warrant",
            requester_kind="federal_agent",
            waiting_now=True,
            record_category="computer_use",
            agency="Example County Sheriff",
        )
        await submit_intake(services, staff, reply.case_id, details)
        caplog.set_level("INFO")
        await pager.run_once()
    finally:
        services.store.close()
    director = settings.officers[0]
    [message] = mailbox.to(director.email)
    case_id = reply.case_id
    assert message["Subject"] == f"[PatronGuard] URGENT records request, case {case_id}"
    assert (message["Importance"], message["X-Priority"]) == ("high", "1")
    text = f"{message['Subject']} {body_of(message)}".lower()
    for leak in ("sheriff", "federal", "agent", "warrant", "computer", "waiting", "dana"):
        assert leak not in text
    counsel = mailbox.to(settings.counsel.email)  # a warrant pages counsel at once
    assert len(counsel) == 1 and "sheriff" not in body_of(counsel[0]).lower()
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("patronguard")]
    assert any(case_id in line for line in logged)
    assert not any("@" in line for line in logged)  # logs never carry an address


async def test_restricted_case_carries_only_its_id(mailbox, smtp_port, settings, db_path, clock):
    from handlers.actors import Actor

    services = build_services(settings, db_path, clock=clock, page_channels=frozenset({"email"}))
    pager = Pager(services, email_and_console(smtp_port))
    reporter = Actor("console", "desk-2")
    try:
        reply = await report_inquiry(services, reporter, drill=True)
        details = IntakeDetails(
            presented="gagged_order", requester_kind="federal_agent", agency="Example Bureau"
        )
        await submit_intake(services, reporter, reply.case_id, details)
        await pager.run_once()
    finally:
        services.store.close()
    case_id = reply.case_id
    [message] = mailbox.to(settings.officers[0].email)
    assert message["Subject"] == (
        f"[PatronGuard] [DRILL] Case {case_id} needs the responsible officer"
    )
    assert body_of(message) == (
        "This is a drill.\n"
        f"Case {case_id} needs the responsible officer.\n"
        "Open it privately in PatronGuard (Slack or Teams); if you cannot, phone the library.\n"
    )


async def test_edits_send_nothing_but_new_notices_do(mailbox, smtp_port):
    notifier = EmailNotifier(plain_settings(smtp_port))
    edit = delivery(kind="ack_update", update_ref={"n": 1})
    assert await notifier.deliver(edit) is None
    assert mailbox.messages == []
    await notifier.deliver(delivery(kind="exhausted", update_ref={"n": 1}))
    [message] = mailbox.to("director@riverside-library.example")
    assert message["Subject"] == "[PatronGuard] URGENT: nobody has acknowledged case PG-TEST01 yet"


async def test_refused_recipient_is_permanent_and_a_busy_server_is_retried(mailbox, smtp_port):
    notifier = EmailNotifier(plain_settings(smtp_port))
    mailbox.refuse["gone@riverside-library.example"] = "550 5.1.1 No such mailbox"
    mailbox.refuse["busy@riverside-library.example"] = "451 4.3.0 Try again later"
    with pytest.raises(DeliveryFailed) as refused:
        await notifier.deliver(delivery(address="gone@riverside-library.example"))
    assert (refused.value.kind, refused.value.permanent) == ("recipient_refused", True)
    assert "@" not in str(refused.value)
    with pytest.raises(DeliveryFailed) as busy:
        await notifier.deliver(delivery(address="busy@riverside-library.example"))
    assert (busy.value.kind, busy.value.permanent) == ("recipient_refused", False)


async def test_unreachable_or_silent_server_is_a_transient_failure():
    closed = free_port()
    with pytest.raises(DeliveryFailed) as refused:
        await EmailNotifier(plain_settings(closed)).deliver(delivery())
    assert (refused.value.kind, refused.value.permanent) == ("connection_failed", False)
    with socket.socket() as silent:  # accepts the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = plain_settings(silent.getsockname()[1], timeout=timedelta(seconds=0.3))
        with pytest.raises(DeliveryFailed) as slow:
            await EmailNotifier(settings).deliver(delivery())
    assert (slow.value.kind, slow.value.permanent) == ("timeout", False)


# STARTTLS and AUTH, with a certificate made for this test run.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_smtp_port(mailbox, certificate) -> Iterator[int]:
    cert_file, key_file = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    port = free_port()
    controller = start_smtp(
        mailbox,
        port,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=check_login,
    )
    yield port
    controller.stop()


def tls_notifier(port: int, certificate, password: str) -> EmailNotifier:
    client_tls = ssl.create_default_context(cafile=str(certificate[0]))
    settings = EmailSettings(
        host="127.0.0.1", port=port, starttls=True, username=SMTP_USER, sender=SENDER
    )
    return EmailNotifier(settings, password=password, tls_context=client_tls)


async def test_starttls_and_login(mailbox, tls_smtp_port, certificate):
    notifier = tls_notifier(tls_smtp_port, certificate, SMTP_PASSWORD)
    await notifier.deliver(delivery(drill=True))
    [(recipients, message, authenticated)] = mailbox.messages
    assert authenticated and recipients == ["director@riverside-library.example"]
    assert message["Subject"].startswith("[PatronGuard] [DRILL] ")


async def test_wrong_password_is_retried_not_dropped(mailbox, tls_smtp_port, certificate):
    notifier = tls_notifier(tls_smtp_port, certificate, "a-wrong-password")
    with pytest.raises(DeliveryFailed) as failed:
        await notifier.deliver(delivery())
    assert (failed.value.kind, failed.value.permanent) == ("smtp_login_refused", False)
    assert mailbox.messages == []


def test_password_comes_from_the_environment_only(settings):
    with_login = settings.model_copy(
        update={
            "email": EmailSettings(host="mail.example", username=SMTP_USER, sender=SENDER),
        }
    )
    with pytest.raises(FallbackNotConfigured, match="PATRONGUARD_SMTP_PASSWORD"):
        fallback_notifiers(with_login, {})
    built = fallback_notifiers(with_login, {"PATRONGUARD_SMTP_PASSWORD": SMTP_PASSWORD})
    assert set(built) == {"email"} and built["email"].channel == "email"


# The whole way: chat failing, the fallback email going out after escalation.fallback_after.


async def test_fallback_email_arrives_once_when_chat_keeps_failing(
    mailbox, smtp_port, settings, db_path, clock, staff
):
    services = build_services(
        settings, db_path, clock=clock, page_channels=frozenset({"slack", "email"})
    )
    slack = RecordingNotifier("slack")
    slack.failures = [DeliveryFailed("server_error")] * 100
    notifiers = {
        "slack": slack,
        "email": EmailNotifier(plain_settings(smtp_port)),
        "console": RecordingNotifier(),
    }
    pager = Pager(services, notifiers)
    try:
        reply = await report_inquiry(services, staff)
        await pager.run_once()
        clock.advance(settings.escalation.fallback_after - timedelta(seconds=1))
        await pager.run_once()
        assert mailbox.messages == []
        for _ in range(8):  # past fallback_after, still inside the first officer's slot
            clock.advance(timedelta(seconds=20))
            await pager.run_once()
    finally:
        services.store.close()
    director = settings.officers[0]
    [message] = mailbox.to(director.email)
    assert reply.case_id in message["Subject"]
    assert len(mailbox.messages) == 1


async def test_page_waits_while_smtp_is_down_and_arrives_when_it_returns(
    mailbox, settings, db_path, clock, staff
):
    port = free_port()  # nothing listens here yet
    services = build_services(settings, db_path, clock=clock, page_channels=frozenset({"email"}))
    pager = Pager(services, email_and_console(port))
    controller = None
    try:
        reply = await report_inquiry(services, staff)
        await pager.run_once()
        rows = services.store.call(lambda db: pages.pages_for_case(db, reply.case_id))
        first = next(r for r in rows if r.kind == "page" and r.position == 0 and r.round == 0)
        assert (first.status, first.last_error) == ("queued", "connection_failed")
        controller = start_smtp(mailbox, port)
        clock.advance(settings.escalation.retry_backoff)
        await pager.run_once()
        clock.advance(timedelta(seconds=30))
        await pager.run_once()
        again = services.store.call(lambda db: pages.get_page(db, first.id))
    finally:
        services.store.close()
        if controller is not None:
            controller.stop()
    assert again.status == "sent"
    assert len(mailbox.to(settings.officers[0].email)) == 1
