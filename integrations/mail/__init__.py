"""Outgoing e-mail: the message as it is sent (`message.py`) and delivery over SMTP (`smtp.py`).

Only the outbox job (`jobs/outbox.py`) sends; web requests queue notifications in the database and never wait for a
mail server.
"""

from integrations.mail.message import OutgoingMail, build_message, full_text
from integrations.mail.smtp import MailError, send

__all__ = ["MailError", "OutgoingMail", "build_message", "full_text", "send"]
