"""What the platform keeps from the company register, and the interface every company register implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CompanyRecord:
    """One organisation as the register describes it. `signatories` are the 12-digit personal identity numbers of
    the people who may sign for it on their own; `active` is False for an organisation that is deregistered
    (avregistrerad) or being wound up, which nobody may act for."""

    organisation_number: str  # 10 digits
    name: str
    signatories: tuple[str, ...]
    active: bool

    def __post_init__(self) -> None:
        if not _digits(self.organisation_number, 10):
            raise ValueError("CompanyRecord.organisation_number must be 10 digits")
        if not isinstance(self.signatories, tuple) or not all(_digits(number, 12) for number in self.signatories):
            raise ValueError("CompanyRecord.signatories must be a tuple of 12-digit personal identity numbers")

    def may_sign(self, personal_number: str) -> bool:
        """True when the person (12 digits) may act for the organisation now: a signatory of an active one."""
        return self.active and personal_number in self.signatories


class CompanyRegisterUnavailable(Exception):
    """The company register could not answer now (no answer in time, no connection, an error, an answer we cannot
    read). The message never carries a personal number."""


class CompanyRegister(Protocol):
    """Both methods raise CompanyRegisterUnavailable when the register cannot answer now. `available`: False only
    for running without a register (NoCompanyRegister)."""

    available: bool

    async def lookup(self, organisation_number: str) -> CompanyRecord | None:
        """The organisation with this 10-digit number; None when the register does not know it."""
        ...

    async def organisations_of(self, personal_number: str) -> list[CompanyRecord]:
        """Every organisation where the person (12 digits) is a signatory, inactive ones included, by name."""
        ...


class NoCompanyRegister:
    """A register that knows nobody: for running without a company information service (COMPANY_REGISTER_URL
    unset and SIMULATORS off). Nobody can act for an organisation, and Mina organisationer says that organisations
    are unavailable (`available` is False)."""

    available = False

    async def lookup(self, organisation_number: str) -> CompanyRecord | None:
        return None

    async def organisations_of(self, personal_number: str) -> list[CompanyRecord]:
        return []


def _digits(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and value.isascii() and value.isdigit()
