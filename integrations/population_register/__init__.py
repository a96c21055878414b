"""The population register (SPAR/Navet): look up the person BankID just verified, never a number someone typed."""

from integrations.population_register.model import (
    Address,
    NoRegister,
    PersonRecord,
    PopulationRegister,
    Protection,
    RegisterUnavailable,
)

__all__ = ["Address", "NoRegister", "PersonRecord", "PopulationRegister", "Protection", "RegisterUnavailable"]
