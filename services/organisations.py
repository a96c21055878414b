"""Organisations a resident may act for: representation follows the company register (a signatory may add the
organisation, apply on its behalf and follow its cases; someone who leaves the board loses access)."""

from __future__ import annotations

import logging
from typing import Literal

from core import clock
from core.i18n import gettext as _
from core.identity_numbers import InvalidIdentityNumber, parse_organisation_number
from db import audit, organisations
from integrations.company_register import CompanyRecord, CompanyRegister, CompanyRegisterUnavailable

log = logging.getLogger(__name__)
# "available": the register answers; "none": the platform has no company register (production without
# COMPANY_REGISTER_URL), so nobody can act for an organisation; "down": the register did not answer just now.
RegisterState = Literal["available", "none", "down"]


class RepresentationRefused(Exception):
    """The organisation cannot be added; `message` says why, in words for the resident."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def represented(user_id: int) -> list[dict]:
    """The organisations the user represents (id, number, name), by name."""
    return await organisations.organisations_of(user_id)


def has_register(register: CompanyRegister) -> bool:
    """False when the platform runs without a company register (NoCompanyRegister)."""
    return register.available


async def overview(
    user_id: int, personal_number: str, register: CompanyRegister
) -> tuple[list[dict], list, RegisterState]:
    """The organisations the user represents, those the register says they may sign for but has not added, and
    the state of the register."""
    mine = await organisations.organisations_of(user_id)
    if not has_register(register):
        return mine, [], "none"
    known = {organisation["organisation_number"] for organisation in mine}
    try:
        records = await register.organisations_of(personal_number)
    except CompanyRegisterUnavailable:
        return mine, [], "down"
    suggestions = [record for record in records if record.active and record.organisation_number not in known]
    return mine, suggestions, "available"


async def add(user_id: int, personal_number: str, typed: str, register: CompanyRegister) -> str:
    """Add the organisation whose number the user typed, if the register says they may sign for it; returns its
    number. Raises RepresentationRefused."""
    try:
        number = parse_organisation_number(typed).value
    except InvalidIdentityNumber as error:
        raise RepresentationRefused(error.message) from None
    if not has_register(register):
        raise RepresentationRefused(
            _("Organisations are not available here: there is no connection to the company register.")
        )
    try:
        record = await register.lookup(number)
    except CompanyRegisterUnavailable:
        raise RepresentationRefused(
            _("The company register is not answering right now. Please try again in a while.")
        ) from None
    problem = _refusal(record, personal_number)
    if problem:
        raise RepresentationRefused(problem)
    organisation_id = await organisations.add_representation(user_id, number, record.name, clock.now())
    await audit.record("representation.added", actor_id=user_id, target=f"organisation:{organisation_id}")
    return number


def _refusal(record: CompanyRecord | None, personal_number: str) -> str:
    if record is None:
        return _("We could not find the organisation in the company register. Check the number.")
    if not record.active:
        return _("The organisation is deregistered, so nobody can act for it.")
    if not record.may_sign(personal_number):
        return _("You are not a signatory of %(name)s according to the company register.") % {"name": record.name}
    return ""


async def remove(user_id: int, organisation_id: int) -> None:
    if await organisations.remove_representation(user_id, organisation_id):
        await audit.record("representation.removed", actor_id=user_id, target=f"organisation:{organisation_id}")


async def drop_lapsed_representations(user_id: int, personal_number: str, register: CompanyRegister) -> None:
    """Representation follows the company register: someone who is no longer a signatory no longer sees the
    organisation's cases. Checked at every login and whenever Mina organisationer is opened. When the register does
    not answer, nothing is dropped (and login goes on); the next check catches up."""
    for organisation in await organisations.organisations_of(user_id):
        try:
            record = await register.lookup(organisation["organisation_number"])
        except CompanyRegisterUnavailable:
            log.warning("Representations not checked: the company register did not answer")
            return
        if record is None or not record.may_sign(personal_number):
            await organisations.remove_representation(user_id, organisation["id"])
            await audit.record("representation.lapsed", actor_id=user_id, target=f"organisation:{organisation['id']}")
