"""A small company information service answering the platform's JSON contract (integrations/company_register/http.py)
from the fixture's organisations, for tests. It checks the bearer token and can answer late, with an error status
or with a body that breaks the contract."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field

from litestar import Litestar, Request, Response, get
from litestar.params import FromPath

from integrations.company_register import CompanyRecord
from integrations.company_register.fixture import FIXTURE_COMPANIES

TOKEN = "stub-token-for-tests"


@dataclass
class StubState:
    records: tuple[CompanyRecord, ...] = FIXTURE_COMPANIES
    delay_seconds: float = 0.0
    status: int = 200  # anything else: every answer is this status
    broken: bool = False  # answer 200 with a body that breaks the contract
    paths: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.delay_seconds, self.status, self.broken = 0.0, 200, False
        self.paths.clear()


def _json(record: CompanyRecord) -> dict:
    data = asdict(record)
    data["signatories"] = list(record.signatories)
    return data


def company_register_stub(state: StubState) -> Litestar:
    async def guard(request: Request) -> Response | None:
        state.paths.append(request.url.path)
        if state.delay_seconds:
            await asyncio.sleep(state.delay_seconds)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response({"error": "unauthorized"}, status_code=401)
        if state.status != 200:
            return Response({"error": "stub"}, status_code=state.status)
        if state.broken:
            return Response({"organisation_number": 42, "organisations": "none"}, status_code=200)
        return None

    @get("/organisations/{number:str}")
    async def organisation(request: Request, number: FromPath[str]) -> Response:
        refused = await guard(request)
        if refused is not None:
            return refused
        record = next((r for r in state.records if r.organisation_number == number), None)
        return Response(_json(record)) if record else Response({"error": "not found"}, status_code=404)

    @get("/persons/{number:str}/signatory-rights")
    async def signatory_rights(request: Request, number: FromPath[str]) -> Response:
        refused = await guard(request)
        if refused is not None:
            return refused
        return Response({"organisations": [_json(r) for r in state.records if number in r.signatories]})

    return Litestar(route_handlers=[organisation, signatory_rights], openapi_config=None, logging_config=None)
