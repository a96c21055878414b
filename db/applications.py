"""Applications: form versions, drafts (the private area), attachments, signatures, co-applicants, and the cases that
submission creates with their reference numbers, timelines and the notification outbox.

A draft is not a public document: only its owner (and, while it waits for their signature, its co-applicants) can
reach it. No staff view, search, export or log line reads the `draft` table. Submission moves everything into a
`case_record` in one transaction.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.accounts import UserAccount
from db.catalogue import EService


class FormVersion(Table, tablename="form_version"):
    id = Serial(primary_key=True)
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=False)
    version = Integer()
    definition = Text(help_text="YAML, see forms/README.md")
    published = Boolean(default=True)
    created_at = Timestamptz()


class Draft(Table, tablename="draft"):
    id = Serial(primary_key=True)
    public_id = UUID(unique=True)
    owner = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=True)
    anonymous_key = Varchar(length=64, default="", help_text="For e-services without login: hash of a cookie token.")
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=False)
    form_version = ForeignKey(references=FormVersion, on_delete=OnDelete.restrict, null=False)
    answers = JSON(default="{}")
    status = Varchar(length=30, default="draft", help_text="draft | awaiting_signatures")
    digest = Varchar(length=64, default="", help_text="SHA-256 of the canonical submission being signed.")
    signing_deadline = Timestamptz(null=True, default=None)
    returned_reason = Text(default="", help_text="Why co-signing ended and the draft came back.")
    organisation = Integer(null=True, default=None, help_text="Applying on behalf of this organisation (id).")
    created_at = Timestamptz()
    last_activity_at = Timestamptz()
    expiry_notice_at = Timestamptz(
        null=True, default=None, help_text="When the owner was told the draft will soon be deleted."
    )


class CaseRecord(Table, tablename="case_record"):
    """An incoming document: created by submission, with a time of receipt and a reference number."""

    id = Serial(primary_key=True)
    reference = Varchar(length=20, unique=True)
    source_draft = UUID(unique=True, help_text="The draft it came from: one case per draft, however often submitted.")
    e_service = ForeignKey(references=EService, on_delete=OnDelete.restrict, null=False)
    form_version = ForeignKey(references=FormVersion, on_delete=OnDelete.restrict, null=False)
    applicant = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    answers = JSON(default="{}")
    digest = Varchar(length=64, default="")
    status = Varchar(length=30, default="received")
    protected = Boolean(default=False, help_text="The applicant or a party has protected identity.")
    received_at = Timestamptz()
    assigned_to = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    closed_at = Timestamptz(null=True, default=None)
    decision = Text(default="")
    receipt_key = Varchar(length=64, default="", help_text="Anonymous submissions: hash of the receipt cookie token.")
    organisation = Integer(null=True, default=None, help_text="Applied for on behalf of this organisation (id).")


class CaseEvent(Table, tablename="case_event"):
    """The case's timeline; `details` holds no personal data beyond what the case itself holds."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    at = Timestamptz()
    kind = Varchar(length=40)
    actor = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    details = JSON(default="{}")


class Attachment(Table, tablename="attachment"):
    """A file, checked by content, stored in the database so every process can serve it."""

    id = Serial(primary_key=True)
    public_id = UUID(unique=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=True)
    message_id = Integer(null=True, default=None, help_text="Sent with a message (id in `message`).")
    supplement_id = Integer(null=True, default=None, help_text="Sent with a supplement (id in `supplement_request`).")
    field_id = Varchar(length=40)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    created_at = Timestamptz()


class CoApplicant(Table, tablename="co_applicant"):
    id = Serial(primary_key=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=True)
    personal_number = Varchar(length=12)
    status = Varchar(length=20, default="pending", help_text="pending | signed | declined")
    decided_at = Timestamptz(null=True, default=None)


class Signature(Table, tablename="signature"):
    """A BankID signature: who signed which digest when, and BankID's completion data (signature and OCSP)."""

    id = Serial(primary_key=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=True)
    signer = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    personal_number = Varchar(length=12)
    role = Varchar(length=20, help_text="applicant | coapplicant")
    digest = Varchar(length=64)
    order_ref = Varchar(length=64)
    signed_at = Timestamptz()
    completion = JSON(default="{}")


class ReferenceCounter(Table, tablename="reference_counter"):
    id = Serial(primary_key=True)
    year = Integer(unique=True)
    last = Integer(default=0)


class Notification(Table, tablename="notification"):
    """The mail outbox. Bodies name no person and no case detail beyond the reference number."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=True)
    email = Varchar(length=254)
    kind = Varchar(length=40)
    subject = Varchar(length=200)
    body = Text()
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Varchar(length=500, default="")
