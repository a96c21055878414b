"""Loads the demo form definitions (`forms/<slug>.yaml`, one per e-service) as form versions, idempotently.

Every file is read and checked with `forms.definition.load_definition` before anything is written, and so is its
e-service: it must exist (the catalogue loader runs first), and the form may use co-applicants only if the e-service
allows them and prefilled answers only if it requires login. A problem stops the whole load with a `DemoDataError`
naming the file. An e-service without a form version gets version 1; one whose latest version differs from the file
gets the next version (a started application keeps the version it began with); an identical one is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core import clock
from core.settings import Settings
from db.applications import FormVersion
from db.catalogue import EService, bump_version
from db.demo.catalogue_data import SLUG, DemoDataError
from db.engine import write_transaction
from forms.definition import DefinitionError, FormDefinition, load_definition

FORMS_DIR = Path(__file__).with_name("forms")


@dataclass(frozen=True)
class DemoForm:
    slug: str
    filename: str
    text: str
    definition: FormDefinition

    @property
    def uses_prefill(self) -> bool:
        return any(f.prefill for step in self.definition.steps for f in step.fields)


def read_forms(directory: Path = FORMS_DIR) -> tuple[DemoForm, ...]:
    """Read and check every form file; the file name (without .yaml) is the e-service's slug."""
    forms = []
    for path in sorted(directory.glob("*.yaml")):
        slug = path.stem
        if not SLUG.match(slug):
            raise DemoDataError(f"forms/{path.name}: the file name must be an e-service slug, like ansokan-om-bygglov.")
        text = path.read_text(encoding="utf-8")
        try:
            definition = load_definition(text)
        except DefinitionError as error:
            raise DemoDataError(f"forms/{path.name}: {error}") from None
        forms.append(DemoForm(slug=slug, filename=f"forms/{path.name}", text=text, definition=definition))
    if not forms:
        raise DemoDataError(f"{directory}: no form definitions (*.yaml) found.")
    return tuple(forms)


def check_against_service(form: DemoForm, service: dict[str, Any] | None) -> None:
    """A form must fit its e-service's flags: co-applicants need allows_coapplicants, prefill needs a login."""
    if service is None:
        raise DemoDataError(
            f"{form.filename}: there is no e-service with the slug {form.slug!r} "
            "(is it in catalogue.yaml, and has the catalogue been loaded?)."
        )
    if form.definition.has_coapplicants and not service["allows_coapplicants"]:
        raise DemoDataError(
            f"{form.filename}: has a coapplicants field, but the e-service does not allow co-applicants."
        )
    if form.uses_prefill and not service["requires_login"]:
        raise DemoDataError(
            f"{form.filename}: prefills answers, but the e-service needs no login (nothing to fill from)."
        )


async def load_forms(directory: Path = FORMS_DIR, settings: Settings | None = None) -> dict[str, int]:
    """Load the demo forms; returns how many there are and how many versions were created or left unchanged."""
    forms = read_forms(directory)
    created = unchanged = 0
    now = clock.now()
    async with write_transaction():
        rows = await EService.select(
            EService.id, EService.slug, EService.requires_login, EService.allows_coapplicants
        ).where(EService.slug.is_in([form.slug for form in forms]))
        services = {row["slug"]: row for row in rows}
        for form in forms:
            check_against_service(form, services.get(form.slug))
        for form in forms:
            if await _store(services[form.slug]["id"], form.text, now) is None:
                unchanged += 1
            else:
                created += 1
    await bump_version()  # the catalogue's index knows which e-services have a form
    return {"forms": len(forms), "created": created, "unchanged": unchanged}


async def store_form(e_service_id: int, text: str, now: datetime | None = None) -> int | None:
    """Store `text` as the e-service's next form version unless it equals the latest one. Returns the new version
    number, or None if nothing changed. A definition that does not load is refused with `DefinitionError`."""
    load_definition(text)
    async with write_transaction():
        version = await _store(e_service_id, text, now or clock.now())
    await bump_version()
    return version


async def _store(e_service_id: int, text: str, now: datetime) -> int | None:
    latest = (
        await FormVersion.select(FormVersion.version, FormVersion.definition)
        .where(FormVersion.e_service == e_service_id)
        .order_by(FormVersion.version, ascending=False)
        .first()
    )
    if latest is not None and latest["definition"] == text:
        return None
    version = 1 if latest is None else latest["version"] + 1
    await FormVersion.insert(
        FormVersion(e_service=e_service_id, version=version, definition=text, published=True, created_at=now)
    )
    return version
