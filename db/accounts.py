"""Accounts: residents (created at first login from BankID and the population register) and the staff register."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.columns import JSON, Boolean, Date, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.engine import write_transaction
from integrations.company_register import CompanyRegister
from integrations.population_register import PersonRecord, PopulationRegister

STAFF_ROLES = ("officer", "admin")


class UserAccount(Table, tablename="user_account"):
    id = Serial(primary_key=True)
    personal_number = Varchar(length=12, unique=True)
    given_name = Varchar(length=100, default="")
    surname = Varchar(length=100, default="")
    # The registered address; always empty for a person with protected identity.
    care_of = Varchar(length=100, default="")
    street = Varchar(length=200, default="")
    postal_code = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    protected_identity = Boolean(default=False)
    in_register = Boolean(default=True, help_text="False when the population register does not know the person.")
    register_fetched_at = Timestamptz(null=True, default=None)
    register_changed_at = Date(null=True, default=None)
    email = Varchar(length=254, default="")
    phone = Varchar(length=20, default="", help_text="E.164, e.g. +46701234567")
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    notices_off = JSON(default="[]", help_text="Kinds of e-mail notice the user has turned off.")


class Organisation(Table, tablename="organisation"):
    id = Serial(primary_key=True)
    organisation_number = Varchar(length=10, unique=True)
    name = Varchar(length=200)
    checked_at = Timestamptz(help_text="When the company register last confirmed its name and signatories.")


class Representation(Table, tablename="representation"):
    """A resident may act for an organisation: they are a signatory in the company register."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=False)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, null=False)
    created_at = Timestamptz()
    checked_at = Timestamptz()


class StaffMember(Table, tablename="staff_member"):
    """The staff register: who may log in to the staff views, in which role and unit."""

    id = Serial(primary_key=True)
    personal_number = Varchar(length=12, unique=True)
    role = Varchar(length=20, default="officer")
    unit = Varchar(length=120, default="")
    created_at = Timestamptz()


REGISTER_MAX_AGE = timedelta(hours=24)


async def account_after_login(
    personal_number: str, given_name: str, surname: str, register: PopulationRegister, now: datetime
) -> tuple[UserAccount, bool]:
    """The account of the person BankID has just identified: created on the first login, its register data
    refreshed when older than 24 hours. Returns (account, created). Only this person is looked up."""
    account = await UserAccount.objects().where(UserAccount.personal_number == personal_number).first()
    created = account is None
    if account is None:
        account = UserAccount(personal_number=personal_number, created_at=now)
    stale = account.register_fetched_at is None or now - account.register_fetched_at > REGISTER_MAX_AGE
    if stale:
        apply_register_record(account, await register.lookup(personal_number), now)
    if not account.in_register or not (account.given_name or account.surname):
        # The register does not know the person, or releases no name (protected identity): take BankID's, which it
        # has just verified.
        account.given_name, account.surname = given_name, surname
    account.last_login_at = now
    await account.save()
    return account, created


def apply_register_record(account: UserAccount, record: PersonRecord | None, now: datetime) -> None:
    """Copy what the register says; a protected person keeps no address at all, whatever was stored before."""
    account.register_fetched_at = now
    account.in_register = record is not None
    if record is None:
        account.protected_identity = False
        _clear_address(account)
        return
    if record.given_name or record.surname:
        account.given_name, account.surname = record.given_name, record.surname
    account.register_changed_at = record.changed_at
    account.protected_identity = record.protected
    if record.protected or record.address is None:
        _clear_address(account)
    else:
        address = record.address
        account.care_of, account.street = address.care_of, address.street
        account.postal_code, account.city = address.postal_code, address.city


def _clear_address(account: UserAccount) -> None:
    account.care_of = account.street = account.postal_code = account.city = ""


async def update_contact_details(user_id: int, email: str, phone: str, notices_off: list[str] | None = None) -> None:
    changes = {UserAccount.email: email, UserAccount.phone: phone}
    if notices_off is not None:
        changes[UserAccount.notices_off] = notices_off
    await UserAccount.update(changes).where(UserAccount.id == user_id)


async def account_by_id(user_id: int) -> UserAccount | None:
    return await UserAccount.objects().where(UserAccount.id == user_id).first()


async def any_protected(personal_numbers: list[str]) -> bool:
    if not personal_numbers:
        return False
    return await UserAccount.exists().where(
        UserAccount.personal_number.is_in(personal_numbers) & (UserAccount.protected_identity == True)  # noqa: E712
    )


async def emails_of(personal_numbers: list[str]) -> list[tuple[int, str]]:
    """(user id, e-mail) of those who have an account with an e-mail address."""
    if not personal_numbers:
        return []
    rows = await UserAccount.select(UserAccount.id, UserAccount.email).where(
        UserAccount.personal_number.is_in(personal_numbers) & (UserAccount.email != "")
    )
    return [(row["id"], row["email"]) for row in rows]


async def staff_member(personal_number: str) -> StaffMember | None:
    return await StaffMember.objects().where(StaffMember.personal_number == personal_number).first()


async def add_staff(personal_number: str, role: str, unit: str, now: datetime) -> StaffMember:
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    member = await staff_member(personal_number) or StaffMember(personal_number=personal_number, created_at=now)
    member.role, member.unit = role, unit
    await member.save()
    return member


async def remove_staff(personal_number: str) -> bool:
    removed = await StaffMember.delete().where(StaffMember.personal_number == personal_number).returning(StaffMember.id)
    return bool(removed)


async def all_staff() -> list[StaffMember]:
    return await StaffMember.objects().order_by(StaffMember.unit).order_by(StaffMember.personal_number)


async def organisations_of(user_id: int) -> list[dict]:
    """The organisations the user represents, by name."""
    return (
        await Representation.select(
            Representation.organisation.id.as_alias("id"),
            Representation.organisation.organisation_number.as_alias("organisation_number"),
            Representation.organisation.name.as_alias("name"),
        )
        .where(Representation.user == user_id)
        .order_by(Representation.organisation.name)
    )


async def represents(user_id: int, organisation_id: int) -> bool:
    return await Representation.exists().where(
        (Representation.user == user_id) & (Representation.organisation == organisation_id)
    )


async def add_representation(user_id: int, organisation_number: str, name: str, now: datetime) -> int:
    """Record that the user may act for the organisation (checked against the company register by the caller)."""
    async with write_transaction():
        organisation = (
            await Organisation.objects().where(Organisation.organisation_number == organisation_number).first()
        )
        if organisation is None:
            organisation = Organisation(organisation_number=organisation_number, name=name, checked_at=now)
        organisation.name, organisation.checked_at = name, now
        await organisation.save()
        if not await represents(user_id, organisation.id):
            await Representation.insert(
                Representation(user=user_id, organisation=organisation.id, created_at=now, checked_at=now)
            )
    return organisation.id


async def remove_representation(user_id: int, organisation_id: int) -> bool:
    """False when the user did not represent the organisation (nothing to remove)."""
    removed = (
        await Representation.delete()
        .where((Representation.user == user_id) & (Representation.organisation == organisation_id))
        .returning(Representation.id)
    )
    return bool(removed)


async def drop_lapsed_representations(user_id: int, personal_number: str, register: CompanyRegister) -> None:
    """Representation follows the company register: someone who is no longer a signatory no longer sees the
    organisation's cases. Checked at every login and whenever Mina organisationer is opened."""
    from db import audit  # db.audit refers to this module's tables

    for organisation in await organisations_of(user_id):
        record = await register.lookup(organisation["organisation_number"])
        if record is None or not record.may_sign(personal_number):
            await remove_representation(user_id, organisation["id"])
            await audit.record("representation.lapsed", actor_id=user_id, target=f"organisation:{organisation['id']}")
