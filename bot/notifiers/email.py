"""Fallback pages by email through an SMTP server (aiosmtplib), with minimal content."""

from __future__ import annotations

import logging
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import aiosmtplib

from bot.config import EmailSettings
from bot.notifiers.content import is_edit, page_content
from handlers.pager import Delivery, DeliveryFailed

log = logging.getLogger("patronguard.email")

IMPLICIT_TLS_PORT = 465  # SMTPS: TLS from the first byte, no STARTTLS


class EmailNotifier:
    """Sends one plain-text email per page; an email cannot be edited, so edits send nothing.

    The password comes from PATRONGUARD_SMTP_PASSWORD (read by the caller), never the file.
    """

    channel = "email"
    page_interval = timedelta(0)  # a fallback goes out when due; it is never combined
    max_buttons = 1

    def __init__(
        self,
        settings: EmailSettings,
        *,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ):
        self.settings = settings
        self._password = password or None
        self._tls_context = tls_context  # tests trust their self-signed certificate with it

    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        """Send the page to `delivery.address`; raise DeliveryFailed (transient or permanent)."""
        if is_edit(delivery):
            return None
        message = self.build_message(delivery)
        try:
            await aiosmtplib.send(message, **self._connection())
        except aiosmtplib.SMTPException as exc:
            failure = classify_smtp_error(exc)
        except (OSError, TimeoutError) as exc:  # refused, reset, DNS, TLS handshake
            failure = DeliveryFailed(
                "timeout" if isinstance(exc, TimeoutError) else "connection_failed"
            )
        else:
            log.info("case %s: email page sent", delivery.case_id)
            return None  # nothing to edit later: acknowledgement updates skip email
        log.warning("case %s: email page not sent (%s)", delivery.case_id, failure.kind)
        raise failure from None

    def build_message(self, delivery: Delivery) -> EmailMessage:
        """The email for one delivery: minimal subject and body, no tracking, no HTML."""
        content = page_content(delivery)
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = delivery.address
        message["Subject"] = content.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid("patronguard", domain=_domain_of(self.settings.sender))
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
        if content.urgent:
            message["Importance"] = "high"
            message["X-Priority"] = "1"
        message.set_content(content.text)
        return message

    def _connection(self) -> dict[str, Any]:
        settings = self.settings
        implicit_tls = settings.port == IMPLICIT_TLS_PORT
        return {
            "hostname": settings.host,
            "port": settings.port,
            "username": settings.username if self._password else None,
            "password": self._password if settings.username else None,
            "use_tls": implicit_tls,
            # True demands STARTTLS (fails if the server lacks it); False never tries it.
            "start_tls": settings.starttls and not implicit_tls,
            "tls_context": self._tls_context,
            "timeout": settings.timeout.total_seconds(),
        }


def classify_smtp_error(exc: aiosmtplib.SMTPException) -> DeliveryFailed:
    """Map an SMTP failure to a retry decision; the kind never carries an address."""
    if isinstance(exc, aiosmtplib.SMTPTimeoutError):
        return DeliveryFailed("timeout")
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return DeliveryFailed("recipient_refused", permanent=bool(codes) and min(codes) >= 500)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return DeliveryFailed("recipient_refused", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return DeliveryFailed("message_refused", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Settings IT can fix; retrying keeps the page queued (and visible on /healthz).
        return DeliveryFailed("smtp_login_refused")
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return DeliveryFailed("sender_refused")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return DeliveryFailed("smtp_not_supported")
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
        return DeliveryFailed("connection_failed")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryFailed(f"smtp_{exc.code}")
    return DeliveryFailed("smtp_error")


def _domain_of(sender: str) -> str:
    # make_msgid would otherwise look up this machine's name, which can be slow or private.
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "patronguard.invalid"
