"""What the platform keeps from the population register (SPAR/Navet), and the interface every register implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

Protection = Literal["skyddad_folkbokforing", "sekretessmarkering"]


@dataclass(frozen=True)
class Address:
    """The folkbokföringsadress. `care_of` is the name after "c/o" ("" when there is none); postal codes are
    written as on a letter, "511 54"."""

    care_of: str
    street: str
    postal_code: str
    city: str

    @property
    def lines(self) -> tuple[str, ...]:
        """The address as it is written on an envelope."""
        care_of = (f"c/o {self.care_of}",) if self.care_of else ()
        return (*care_of, self.street, f"{self.postal_code} {self.city}")


@dataclass(frozen=True)
class PersonRecord:
    """One person as the register describes them.

    A protected person (skyddad folkbokföring or sekretessmarkering) never has an address here. SPAR releases no
    name either, so `given_name` and `surname` are "" for them: show the name BankID gave instead.
    """

    personal_number: str  # 12 digits
    given_name: str
    surname: str
    address: Address | None
    protected: bool
    protection: Protection | None
    changed_at: date | None  # SenasteAndringSPAR

    def __post_init__(self) -> None:
        if self.protected != (self.protection is not None):
            raise ValueError("PersonRecord: protected must be True exactly when protection names the kind")
        if self.protected and self.address is not None:
            raise ValueError("PersonRecord: a protected person's address must never leave the register")


class RegisterUnavailable(Exception):
    """The register could not answer now (no answer in time, no connection, a SOAP fault, an answer we cannot
    read). Login goes on with the data the account already has. The message never carries a personal number."""


class PopulationRegister(Protocol):
    async def lookup(self, personal_number: str) -> PersonRecord | None:
        """The person with this 12-digit number; None when the register does not know them. Raises
        RegisterUnavailable when the register cannot answer now."""
        ...


class NoRegister:
    """A register that knows nobody: for running without a population register connection (every lookup is
    None, so people are handled as "not in the register" and keep the name BankID gave)."""

    async def lookup(self, personal_number: str) -> PersonRecord | None:
        return None
