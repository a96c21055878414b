"""API clients of the integration API (/api/v1) from the command line.

    python -m cli.api_clients create --name ByggR --e-services bygglov,strandskydd --scopes read,status \
        --expires 2027-12-31
    python -m cli.api_clients revoke ByggR
    python -m cli.api_clients list

Administrators do the same in /admin/api-klienter, under the same rules (services/api.py). `create` prints the token
once: the database keeps only its hash. Scopes: read (list and fetch cases, their files and PDF, confirm delivery),
status (set a case's status), messages (write to the applicant), supplements (ask for a supplement), decisions
(record the decision), notes (internal notes), external_ids (the case's id in the client's system). Uses DATABASE_URL
like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from services import api


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


async def run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.api_clients", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a client and print its token (shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--e-services", required=True, type=_list, help="slugs, separated by commas")
    create.add_argument("--scopes", required=True, type=_list, help=f"among {', '.join(api.SCOPES)}")
    create.add_argument("--expires", required=True, type=date.fromisoformat, help="the last day, YYYY-MM-DD")
    revoke = commands.add_parser("revoke", help="revoke a client's token at once")
    revoke.add_argument("name")
    commands.add_parser("list", help="list the clients")
    args = parser.parse_args(arguments)

    if args.command == "list":
        for client in await api.clients():
            state = "revoked" if client["revoked_at"] else f"expires {client['expires_at']:%Y-%m-%d}"
            print(f"{client['name']}  {','.join(client['e_services'])}  {','.join(client['scopes'])}  {state}")
        return 0
    if args.command == "create":
        try:
            token = await api.create_client(args.name, args.e_services, args.scopes, args.expires)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"Created {args.name}. The token (shown only now; keep it secret):\n{token}")
        return 0
    if not await api.revoke_client(args.name):
        print("No such client, or already revoked.", file=sys.stderr)
        return 1
    print(f"Revoked {args.name}.")
    return 0


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
