"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests that read mail, and the app pointed at it.

`smtp_server.messages` holds every message received (email.message.EmailMessage, parsed),
`smtp_server.refuse = True` makes it answer every message with a temporary failure,
`smtp_server.refuse_next = n` only the next n.
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

SMTP_USER = "probatio"
SMTP_PASSWORD = "mot-de-passe-smtp-tres-secret"


class Recorder:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.attempts = 0
        self.refuse = False
        self.refuse_next = 0  # refuse this many messages, then accept
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            if self.refuse or self.refuse_next > 0:
                self.refuse_next = max(0, self.refuse_next - 1)
                return "451 4.3.0 Essayez plus tard"
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", b"") == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp_server(app_ctx):
    recorder = Recorder()
    port = _free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False,
    )
    controller.start()
    saved = {key: app_ctx.config[key] for key in ("MAIL_URL", "MAIL_RETRY_SECONDS", "MAIL_MAX_ATTEMPTS")}
    app_ctx.config.update(
        MAIL_URL=f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}", MAIL_RETRY_SECONDS=0, MAIL_MAX_ATTEMPTS=3,
    )
    recorder.port = port
    try:
        yield recorder
    finally:
        app_ctx.config.update(saved)
        controller.stop()
