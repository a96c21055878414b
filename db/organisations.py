"""Organisations a resident may act for, and who represents which (as the company register says; the rules are in
services/organisations.py). Tables and queries."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.accounts import UserAccount
from db.engine import write_transaction


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


async def organisation(organisation_id: int) -> dict | None:
    return (
        await Organisation.select(Organisation.organisation_number, Organisation.name)
        .where(Organisation.id == organisation_id)
        .first()
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
