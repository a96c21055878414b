"""The staff register from the command line, with the same rules as the administrators' pages (/admin/personal).

    python -m cli.staff add 19760623-9866 --role officer --unit "Bygglov" [--unit ...] [--protected]
                            [--valid-from 2027-01-01] [--valid-to 2027-06-30]
    python -m cli.staff remove 19760623-9866
    python -m cli.staff list

Staff log in with BankID like everyone else; this register decides who reaches /handlaggare and in which role,
units and validity window. `add` for someone already in the register replaces their role, units, permission and
window. Adding, changing or removing someone ends their sessions at once. Uses DATABASE_URL like the app.
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
    add = commands.add_parser("add", help="add someone to the staff register, or change their role, units or window")
    add.add_argument("personal_number")
    add.add_argument("--role", choices=staff.STAFF_ROLES, default="officer")
    add.add_argument("--unit", action="append", default=[], help="a unit they work in (created if new); repeatable")
    add.add_argument("--protected", action="store_true", help="may handle cases of people with protected identity")
    add.add_argument("--valid-from", default="", help="first day of access, YYYY-MM-DD (default: now)")
    add.add_argument("--valid-to", default="", help="last day of access, YYYY-MM-DD (default: until removed)")
    remove = commands.add_parser("remove", help="remove someone from the staff register and end their sessions")
    remove.add_argument("personal_number")
    commands.add_parser("list", help="list the staff register")
    args = parser.parse_args(arguments)

    if args.command == "list":
        for member in await staff.register():
            units = ", ".join(name for _id, name in member["units"]) or "-"
            window = f"{member['valid_from'] or ''}..{member['valid_to'] or ''}"
            print(
                f"{staff.formatted(member['personal_number'])}  {member['role']:18}  {member['state']:6}  "
                f"{window:22}  {'protected  ' if member['may_see_protected'] else ''}{units}"
            )
        return 0
    try:
        personal_number = parse_personal_number(args.personal_number).value
    except InvalidIdentityNumber as error:
        print(f"Invalid personal identity number: {error}", file=sys.stderr)
        return 2
    member_id = await staff.member_id_of(personal_number)
    if args.command == "add":
        posted = {
            "personal_number": personal_number,
            "role": args.role,
            "units": [],
            "new_units": args.unit,
            "protected": args.protected,
            "valid_from": args.valid_from,
            "valid_to": args.valid_to,
        }
        checked = await staff.check(posted, adding=member_id is None)
        if checked.errors:
            for field, message in checked.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 2
        if member_id is None:
            await staff.add(checked.values, actor_id=None)
            print(f"Added: {args.role}, units {', '.join(args.unit) or '-'}")
        else:
            changed = await staff.change(member_id, checked.values, actor_id=None)
            print(f"Changed: {', '.join(changed)}; their sessions ended." if changed else "Nothing changed.")
        return 0
    ended = await staff.remove(member_id, actor_id=None) if member_id is not None else None
    if ended is None:
        print("Not in the staff register.", file=sys.stderr)
        return 1
    print(f"Removed; {ended} session(s) ended.")
    return 0


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
