"""Accounts of residents (and of staff, who log in the same way): created at first login from BankID and the
population register (services/auth.py has the rules). Table and queries."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.engine import fetch, json_column, write_transaction


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
    register_failed_at = Timestamptz(
        null=True,
        default=None,
        help_text="The register did not answer at the latest lookup; None once it has answered again.",
    )
    email = Varchar(length=254, default="")
    phone = Varchar(length=20, default="", help_text="E.164, e.g. +46701234567")
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    notices_off = JSON(default="[]", help_text="Kinds of e-mail notice the user has turned off.")


async def account_by_personal_number(personal_number: str) -> UserAccount | None:
    return await UserAccount.objects().where(UserAccount.personal_number == personal_number).first()


async def account_by_id(user_id: int) -> UserAccount | None:
    return await UserAccount.objects().where(UserAccount.id == user_id).first()


async def save(account: UserAccount, *, protect_cases: bool = False) -> None:
    """Store the account; with `protect_cases` (the person's identity has just become protected), every case they
    are a party to becomes protected in the same transaction: only staff with the permission see it from now on."""
    async with write_transaction():
        await account.save()
        if protect_cases:
            await fetch(PROTECT_CASES_OF, True, account.id, account.personal_number)


# Cases whose applicant, or a co-applicant, is the person. A case stays protected once it is: protection that ends
# may start again, and nothing is lost by keeping the stricter rule.
PROTECT_CASES_OF = (
    'UPDATE case_record SET protected = {} WHERE applicant = {} OR id IN (SELECT "case" FROM co_applicant '
    'WHERE personal_number = {} AND "case" IS NOT NULL)'
)


def notices_off(account) -> list[str]:
    """The kinds of notice the user turned off, from an account row read with plain SQL (JSON text on SQLite)."""
    return list(json_column(account["notices_off"], []))


async def update_contact_details(user_id: int, email: str, phone: str, notices_off: list[str] | None = None) -> None:
    changes = {UserAccount.email: email, UserAccount.phone: phone}
    if notices_off is not None:
        changes[UserAccount.notices_off] = notices_off
    await UserAccount.update(changes).where(UserAccount.id == user_id)


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
