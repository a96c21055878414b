"""The SPAR simulator over mutual TLS for tests: throwaway certificates, the server, and a client configured for it."""

from __future__ import annotations

from pathlib import Path

from integrations.population_register.spar import SparClient, SparIdentity
from tests.integrations.tls import Issued, issue, make_ca

IDENTITY = SparIdentity(customer_number=500243, end_customer_number=500243, assignment_id=637, end_user_id="test")


def spar_pki(directory: Path) -> dict[str, Issued]:
    """SPAR's CA with a server and a municipality certificate, and a stranger CA with a client certificate."""
    spar_ca = make_ca(directory, "Simulated SPAR CA")
    other_ca = make_ca(directory, "Another CA")
    return {
        "spar_ca": spar_ca,
        "server": issue(spar_ca, directory, "spar simulated", server=True),
        "municipality": issue(spar_ca, directory, "Marks kommun organisation", server=False),
        "other_ca": other_ca,
        "stranger": issue(other_ca, directory, "Stranger organisation", server=False),
    }


def spar_client(url: str, pki, *, ca="spar_ca", cert="municipality", timeout=5.0, identity=IDENTITY) -> SparClient:
    client_cert = (str(pki[cert].cert), str(pki[cert].key)) if cert else None
    return SparClient(f"{url}/", identity, client_cert=client_cert, ca_cert=str(pki[ca].cert), timeout=timeout)
