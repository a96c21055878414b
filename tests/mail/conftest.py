"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread of its own) that records what it receives, and the
settings that point the outbox at it."""

from __future__ import annotations

import email
import email.policy
import logging
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.browser import free_port


class RecordingHandler:
    """Keeps every accepted message. Set `refuse` to an SMTP reply ("550 ...") to refuse the DATA instead."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: str | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in self.received]


class SmtpServer:
    """Start and stop at will: a stopped server is a mail server that is down."""

    def __init__(self, port: int, **smtp_parameters) -> None:
        self.port = port
        self.handler = RecordingHandler()
        self._parameters = smtp_parameters
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self._parameters)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture(autouse=True)
def quiet_test_server():
    """aiosmtpd logs every SMTP command at INFO; the test server's chatter only hides our own log lines."""
    logger = logging.getLogger("mail.log")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp_server():
    """Nothing listens on its port until the test starts it."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password == b"hemligt", handled=False)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server_with_login():
    logins = Logins()
    server = SmtpServer(free_port(), authenticator=logins, auth_required=True, auth_require_tls=False)
    server.logins = logins
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp_server):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=False)
