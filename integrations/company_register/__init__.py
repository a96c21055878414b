"""The company register (Bolagsverket): which organisations exist, and who may sign for them (firmatecknare)."""

from integrations.company_register.model import (
    CompanyRecord,
    CompanyRegister,
    CompanyRegisterUnavailable,
    NoCompanyRegister,
)

__all__ = ["CompanyRecord", "CompanyRegister", "CompanyRegisterUnavailable", "NoCompanyRegister"]
