"""API clients of the integration API (/api/v1) from the command line.

    python -m cli.api_clients create --name ByggR --e-services bygglov,strandskydd --scopes read,status \
        --expires 2027-12-31
    python -m cli.api_clients revoke ByggR
    python -m cli.api_clients list
    python -m cli.api_clients webhook set ByggR --url https://byggr.example.se/hooks/eplatform
    python -m cli.api_clients webhook remove ByggR
    python -m cli.api_clients webhook log ByggR [--limit 20]

Administrators do the same in /admin/api-klienter, under the same rules (services/api.py). `create` prints the token
once: the database keeps only its hash. Scopes: read (list and fetch cases, their files and PDF, confirm delivery),
status (set a case's status), messages (write to the applicant), supplements (ask for a supplement), decisions
(record the decision), notes (internal notes), external_ids (the case's id in the client's system).
`webhook set` sends the client's events to the URL (https; http to localhost in dev mode
only) and prints the secret they are signed with, once (setting it again makes a new one). Uses DATABASE_URL and MODE
like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from core.settings import Settings
from services import api, webhooks


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
    webhook = commands.add_parser("webhook", help="a client's webhook").add_subparsers(dest="action", required=True)
    webhook_set = webhook.add_parser("set", help="send the client's events to URL; prints the new secret once")
    webhook_set.add_argument("name")
    webhook_set.add_argument("--url", required=True)
    webhook.add_parser("remove", help="send the client no more webhooks").add_argument("name")
    webhook_log = webhook.add_parser("log", help="the client's newest deliveries and their attempts")
    webhook_log.add_argument("name")
    webhook_log.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(arguments)

    if args.command == "webhook":
        try:
            return await _webhook(args)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2

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


async def _webhook(args: argparse.Namespace) -> int:
    if args.action == "set":
        production = Settings.from_env().is_production
        secret = await webhooks.set_webhook(args.name, args.url, allow_local_http=not production)
        print(
            f"Webhooks of {args.name} go to {args.url}. The signing secret (shown only now; give it to the receiver):"
        )
        print(secret)
        return 0
    if args.action == "remove":
        if not await webhooks.remove_webhook(args.name):
            print("The client has no webhook.", file=sys.stderr)
            return 1
        print(f"Removed the webhook of {args.name}.")
        return 0
    subscription = await webhooks.webhook(args.name)
    print(f"{args.name}: {subscription['url'] if subscription else 'no webhook'}")
    for delivery in await webhooks.deliveries(args.name, max(1, min(args.limit, 1000))):
        created = f"{delivery['created_at']:%Y-%m-%d %H:%M:%S}"
        print(f"{created}  {delivery['type']}  {delivery['reference']}  {delivery['state']}")
        for attempt in delivery["attempt_log"]:
            result = attempt["status_code"] or attempt["error"]
            then = f"next {attempt['next_attempt_at']:%Y-%m-%d %H:%M:%S}" if attempt["next_attempt_at"] else ""
            print(f"    {attempt['at']:%Y-%m-%d %H:%M:%S}  {result}  {then}".rstrip())
    return 0


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
