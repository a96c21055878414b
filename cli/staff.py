"""The staff register from the command line.

    python -m cli.staff add 19760623-9866 --role officer --unit "Bygglov"
    python -m cli.staff remove 19760623-9866
    python -m cli.staff list

Staff log in with BankID like everyone else; this register decides who reaches /handlaggare and in which role.
Removing someone also ends their sessions at once. Uses DATABASE_URL like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.identity_numbers import InvalidIdentityNumber, parse_personal_number
from services import staff


async def run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.staff", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add someone to the staff register, or change their role or unit")
    add.add_argument("personal_number")
    add.add_argument("--role", choices=staff.STAFF_ROLES, default="officer")
    add.add_argument("--unit", default="", help="the unit they work in (created if new)")
    add.add_argument("--protected", action="store_true", help="may handle cases of people with protected identity")
    remove = commands.add_parser("remove", help="remove someone from the staff register and end their sessions")
    remove.add_argument("personal_number")
    commands.add_parser("list", help="list the staff register")
    args = parser.parse_args(arguments)

    if args.command == "list":
        for member in await staff.members():
            print(f"{member.personal_number[:8]}-{member.personal_number[8:]}  {member.role:8}  {member.unit}")
        return 0
    try:
        personal_number = parse_personal_number(args.personal_number).value
    except InvalidIdentityNumber as error:
        print(f"Invalid personal identity number: {error}", file=sys.stderr)
        return 2
    if args.command == "add":
        await staff.add_member(personal_number, args.role, args.unit, may_see_protected=args.protected)
        print(f"Saved: {args.role}, unit {args.unit or '-'}")
        return 0
    ended = await staff.remove_member(personal_number)
    if ended is None:
        print("Not in the staff register.", file=sys.stderr)
        return 1
    print(f"Removed; {ended} session(s) ended.")
    return 0


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
