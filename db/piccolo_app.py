"""Piccolo app registration: every table of the platform, and where the migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from db.accounts import UserAccount
from db.api import ApiClient, ApiIdempotency, CaseDelivery, CaseExternalId
from db.applications import Attachment, Draft, FormVersion, HeldAnswers
from db.audit import AuditEntry
from db.auth import UserSession
from db.bankid import BankIdOrder
from db.bankid_simulator import BankIdSimulatorState
from db.case_handling import Bookmark, InternalNote, MessageTemplate
from db.cases import CaseEvent, CaseRecord, ReferenceCounter, Status, StatusPeriod
from db.catalogue import CacheStamp, Category, EService, OperatingNotice, RelatedDocument
from db.jobs import JobLease
from db.limits import RateCounter
from db.messages import Message, SupplementRequest
from db.notices import Notification
from db.organisations import Organisation, Representation
from db.signing import CoApplicant, Signature
from db.staff import StaffMember, StaffUnit, Unit
from db.webhooks import ApiEvent, ApiEventCounter, WebhookAttempt, WebhookDelivery, WebhookSubscription

APP_CONFIG = AppConfig(
    app_name="eplatform",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[
        Category,
        EService,
        RelatedDocument,
        OperatingNotice,
        CacheStamp,
        UserAccount,
        StaffMember,
        UserSession,
        BankIdOrder,
        AuditEntry,
        JobLease,
        FormVersion,
        Draft,
        CaseRecord,
        CaseEvent,
        Attachment,
        HeldAnswers,
        CoApplicant,
        Signature,
        ReferenceCounter,
        Notification,
        Organisation,
        Representation,
        Message,
        SupplementRequest,
        Unit,
        StaffUnit,
        Status,
        StatusPeriod,
        Bookmark,
        InternalNote,
        MessageTemplate,
        BankIdSimulatorState,
        ApiClient,
        ApiIdempotency,
        CaseDelivery,
        CaseExternalId,
        RateCounter,
        ApiEvent,
        ApiEventCounter,
        WebhookSubscription,
        WebhookDelivery,
        WebhookAttempt,
    ],
    migration_dependencies=[],
    commands=[],
)
