"""Factories: the smallest valid rows, with any field overridable. Catalogue writes bump the catalogue version."""

from __future__ import annotations

import itertools
import secrets

from core import clock
from db.catalogue import CacheStamp, Category, EService, RelatedDocument, bump_version
from db.piccolo_app import APP_CONFIG

_sequence = itertools.count(1)


async def clear_database() -> None:
    """Empty every table but the cache stamps, whose versions move on: a running server then reloads its catalogue
    (a stamp that started again from 1 could match the version it already holds)."""
    from db.cases import Status

    for table in reversed(APP_CONFIG.table_classes):
        if table is Status:  # the shared default statuses are the platform's, from its migrations
            await Status.delete().where(Status.e_service.is_not_null())
        elif table is not CacheStamp:
            await table.delete(force=True)
    await bump_version()


async def make_category(**fields) -> Category:
    number = next(_sequence)
    category = Category(**{"slug": f"kategori-{number}", "name": f"Kategori {number}", **fields})
    await category.save()
    await bump_version()
    return category


async def make_service(category: Category | None = None, **fields) -> EService:
    number = next(_sequence)
    category = category or await make_category()
    service = EService(
        **{
            "slug": f"e-tjanst-{number}",
            "title": f"E-tjänst {number}",
            "summary": "En kort sammanfattning.",
            "category": category.id,
            "published": True,
            "updated_at": clock.now(),
            **fields,
        }
    )
    await service.save()
    await bump_version()
    return service


async def make_document(service: EService, **fields) -> RelatedDocument:
    document = RelatedDocument(
        **{
            "e_service": service.id,
            "title": "Blankett",
            "filename": "blankett.pdf",
            "content_type": "application/pdf",
            "content": b"%PDF-1.4\n%test\n",
            **fields,
        }
    )
    await document.save()
    await bump_version()
    return document


TEST_FORM = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Namn, required: true, max_length: 50}
      - {id: antal, type: number, label: Antal, min: 1, max: 10, integer: true}
      - id: typ
        type: radio
        label: Typ
        required: true
        options: [{value: a, label: Alfa}, {value: b, label: Beta}]
      - {id: detalj, type: text, label: Detalj, required: true, show_if: {field: typ, equals: b}}
  - id: bilagor
    title: Bilagor
    fields:
      - {id: filer, type: file, label: Filer, accept: [pdf], max_files: 2, max_size_mb: 1}
  - id: parter
    title: Parter
    fields:
      - {id: medsokande, type: coapplicants, label: Medsökande, max_items: 2}
"""


async def make_form(service: EService, definition: str = TEST_FORM, version: int = 1):
    from db.applications import FormVersion

    form = FormVersion(e_service=service.id, version=version, definition=definition, created_at=clock.now())
    await form.save()
    await bump_version()  # the catalogue's index knows which e-services have a form
    return form


# A choice on the first step decides whether a required question on the second is asked.
CONDITIONAL_FORM = """
steps:
  - id: arende
    title: Ärendet
    fields:
      - {id: typ, type: radio, label: Typ, required: true, options: [{value: a, label: Alfa}, {value: b, label: Beta}]}
  - id: detaljer
    title: Detaljer
    fields:
      - {id: orsak, type: text, label: Vad gick fel, required: true, show_if: {field: typ, equals: b}}
      - {id: ovrigt, type: text, label: Övrigt}
"""


async def make_service_with_form(definition: str = TEST_FORM, **fields) -> EService:
    service = await make_service(**{"requires_login": True, "allows_drafts": True, **fields})
    await make_form(service, definition)
    return service


async def make_user(personal_number: str = "198112189876", given_name: str = "Erik", surname: str = "Andersson"):
    from db.accounts import UserAccount

    user = await UserAccount.objects().where(UserAccount.personal_number == personal_number).first()
    if user is None:
        user = UserAccount(
            personal_number=personal_number, given_name=given_name, surname=surname, created_at=clock.now()
        )
        await user.save()
    return user


async def make_case(service: EService, applicant_id: int | None, *, answers: dict | None = None, **fields):
    """A submitted case, as submission would leave it (with its 'received' event), in the e-service's first status
    of its kind (`status`, default 'received') since it was received."""
    import uuid

    from db.applications import FormVersion
    from db.cases import CaseEvent, CaseRecord, enter_status, first_status_of_kind, next_reference

    form = await FormVersion.objects().where(FormVersion.e_service == service.id).first()
    now = fields.pop("received_at", clock.now())
    reference = await next_reference(now.year)
    case = CaseRecord(
        **{
            "reference": reference,
            "search_text": f"{reference} {fields.pop('search_text', '')}".strip(),
            "source_draft": uuid.uuid4(),
            "e_service": service.id,
            "form_version": form.id,
            "applicant": applicant_id,
            "answers": answers if answers is not None else {"namn": "Erik", "typ": "a"},
            "status": "received",
            "received_at": now,
            **fields,
        }
    )
    await case.save()
    await enter_status(case.id, await first_status_of_kind(service.id, case.status), now)
    await CaseEvent.insert(CaseEvent(case=case.id, at=now, kind="received", actor=applicant_id))
    return await CaseRecord.objects().where(CaseRecord.id == case.id).first()


async def make_unit(name: str = "Bygga, bo och miljö") -> int:
    from db.staff import unit_by_name

    return await unit_by_name(name, create=True)


async def make_officer(
    personal_number: str, unit: str = "Bygga, bo och miljö", *, role: str = "officer", may_see_protected: bool = False
):
    """A member of the staff register with an account (as after their first login), in `unit`."""
    from db.staff import save_staff

    await save_staff(personal_number, role, unit, clock.now(), may_see_protected=may_see_protected)
    from integrations.population_register.fixture import find_test_person

    person = find_test_person(personal_number)
    return await make_user(personal_number, person.given_name if person else "Test", person.surname if person else "")


# Settings production accepts (overrides of the suite's settings), for tests of what production mode does.
PRODUCTION = dict(
    mode="production",
    secret_key=secrets.token_urlsafe(32),
    database_url="postgresql://db.example/eplatform",
    simulators=False,
    base_url="https://e-tjanster.example.se",
    bankid_url="https://appapi2.bankid.com/rp/v6.0/",
    bankid_client_cert="rp.crt",
    bankid_client_key="rp.key",
    bankid_ca_cert="root.crt",
    smtp_host="smtp.example.se",
)


def app_with(app, settings, **overrides):
    """Another app on the suite's database, with other settings. Its lifespan would start and then close the shared
    connection pool, so it is not run: the app borrows the suite's BankID client (the simulator's orders are in the
    database)."""
    from app import create_app

    other = create_app(settings.with_overrides(**overrides))
    other.state.bankid = app.state.bankid
    return other
