"""Piccolo app registration: every table of the platform, and where the migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from db.accounts import Organisation, Representation, StaffMember, UserAccount
from db.applications import (
    Attachment,
    CaseEvent,
    CaseRecord,
    CoApplicant,
    Draft,
    FormVersion,
    Notification,
    ReferenceCounter,
    Signature,
)
from db.audit import AuditEntry
from db.catalogue import CacheStamp, Category, EService, OperatingNotice, RelatedDocument
from db.conversations import Message, SupplementRequest
from db.jobs import JobLease
from db.sessions import BankIdOrder, UserSession

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
        CoApplicant,
        Signature,
        ReferenceCounter,
        Notification,
        Organisation,
        Representation,
        Message,
        SupplementRequest,
    ],
    migration_dependencies=[],
    commands=[],
)
