"""The demo form definitions: every file loads, together they use the whole format, each fits its e-service's flags,
and loading them is idempotent (a changed text becomes a new version)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from db.applications import FormVersion
from db.catalogue import EService
from db.demo.catalogue import load_catalogue
from db.demo.catalogue_data import DemoDataError, read_catalogue
from db.demo.forms import FORMS_DIR, load_forms, read_forms, store_form
from forms.definition import FIELD_TYPES, FILE_KINDS, PREFILLS, Field, FormDefinition, load_definition
from tests.applications.helpers import start
from tests.applications.journey import BROWSER_JOURNEYS
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")

FORMS = read_forms()
SERVICES = {service.slug: service for service in read_catalogue().services}
SIGNING_WORDS = ("skriv under", "skriver under", "underskrift", "signera")


def fields_of(definition: FormDefinition) -> list[Field]:
    return [f for step in definition.steps for f in step.fields]


def texts_of(definition: FormDefinition) -> str:
    parts = [text for step in definition.steps for text in (step.title, step.description)]
    for f in fields_of(definition):
        parts += [f.label, f.hint, f.text, *(option.label for option in f.options)]
    return " ".join(parts).lower()


def raw_fields(text: str) -> list[dict]:
    return [f for step in yaml.safe_load(text)["steps"] for f in step["fields"]]


def test_every_form_loads_and_belongs_to_a_catalogue_e_service():
    assert len(FORMS) >= 9
    slugs = {form.slug for form in FORMS}
    assert slugs <= set(SERVICES)
    assert {
        "ansokan-om-bygglov",
        "ansokan-om-forskoleplats",
        "felanmalan-gata-park-och-belysning",
        "serveringstillstand",
    } <= slugs
    for form in FORMS:
        assert load_definition(form.text) == form.definition


def test_forms_are_short():
    for form in FORMS:
        assert 2 <= len(form.definition.steps) <= 5, form.slug
        for step in form.definition.steps:
            assert 1 <= len(step.fields) <= 6, (form.slug, step.id)


# Every feature of the format is in some demo form, and also in the forms walked in Chromium.
SETS = pytest.mark.parametrize(
    "forms",
    [FORMS, tuple(form for form in FORMS if form.slug in BROWSER_JOURNEYS)],
    ids=["all demo forms", "the forms walked in the browser"],
)


@SETS
def test_together_the_forms_use_every_field_type_prefill_and_limit(forms):
    used = {f.type for form in forms for f in fields_of(form.definition)}
    assert used == set(FIELD_TYPES)
    assert {f.prefill for form in forms for f in fields_of(form.definition)} - {None} == set(PREFILLS)
    settings = {key for form in forms for f in raw_fields(form.text) for key in f}
    assert {
        "required",
        "max_length",
        "min",
        "max",
        "integer",
        "unit",
        "min_date",
        "max_date",
        "min_items",
        "max_items",
        "max_files",
        "max_size_mb",
        "accept",
        "options",
        "show_if",
        "prefill",
        "text",
    } <= settings
    required = [f.required for form in forms for f in fields_of(form.definition) if f.takes_input]
    assert any(required) and not all(required)


@SETS
def test_conditions_on_steps_and_fields_use_every_test(forms):
    step_conditions = [s.show_if for form in forms for s in form.definition.steps if s.show_if]
    field_conditions = [f.show_if for form in forms for f in fields_of(form.definition) if f.show_if]
    assert step_conditions and field_conditions
    conditions = step_conditions + field_conditions
    assert any(c.equals is not None for c in conditions)
    assert any(c.any_of for c in conditions)
    assert any(c.filled is not None for c in conditions)


def test_forms_fit_their_e_services_flags():
    for form in FORMS:
        service = SERVICES[form.slug]
        if not service.allows_coapplicants:
            assert not form.definition.has_coapplicants, form.slug
        if not service.requires_login:
            assert not form.uses_prefill, form.slug
        if not service.requires_signing:
            assert not any(word in texts_of(form.definition) for word in SIGNING_WORDS), form.slug


def test_options_and_date_limits_are_written_safely():
    """A comma in an unquoted flow-mapping label would silently cut the label short, and an unquoted ISO date would
    be read as a date object: both pass the parser, so the demo files are checked here."""
    for form in FORMS:
        for f in raw_fields(form.text):
            for option in f.get("options", []):
                assert isinstance(option, str) or set(option) == {"value", "label"}, (form.slug, f["id"], option)
            for key in ("min_date", "max_date"):
                assert key not in f or isinstance(f[key], str), (form.slug, f["id"], key)


def test_file_hints_leave_the_limits_to_the_page():
    """The page states a file field's kinds, size per file and number of files after its hint (forms/README.md): a
    hint that says them too is read twice ("Bara PDF-filer, högst 20 MB per fil. Tillåtna filtyper: PDF. ...")."""
    named_by_the_page = {kind.upper() for kind in FILE_KINDS} | {"MB", "WORD", "EXCEL", "OPENDOCUMENT"}
    for form in FORMS:
        for f in fields_of(form.definition):
            if f.type == "file":
                words = set(re.findall(r"\w+", f.hint.upper()))
                assert not words & named_by_the_page, (form.slug, f.id, f.hint)


async def test_the_upload_hint_says_each_limit_once(client, app, settings):
    await load_catalogue(settings=settings)
    await load_forms(settings=settings)
    await log_in(client, app, "198112189876")
    draft_id = await start(client, "ansokan-om-bygglov")
    page = await client.get(f"/ansokan/{draft_id}/steg/ritningar")
    hint = re.search(r'<div id="ritningar-hint" class="hint">(.*?)</div>', page.text, re.S)[1]
    assert hint.count("PDF") == 1 and hint.count("MB") == 1, hint
    assert hint.endswith("Tillåtna filtyper: PDF. Högst 20 MB per fil. Antal filer: högst 10."), hint

    # Office files are named as people know them (this field's hint used to say so too, besides the page's list).
    draft_id = await start(client, "serveringstillstand")
    page = await client.get(f"/ansokan/{draft_id}/steg/underlag")
    hint = re.search(r'<div id="ovriga_handlingar-hint" class="hint">(.*?)</div>', page.text, re.S)[1]
    assert hint.endswith(
        "Tillåtna filtyper: PDF, Word-fil, Excel-fil eller OpenDocument-text. Högst 20 MB per fil."
        " Antal filer: högst 10."
    ), hint
    assert hint.count("Word") == 1, hint


def test_the_required_e_services_ask_what_they_should():
    forms = {form.slug: form.definition for form in FORMS}

    bygglov = forms["ansokan-om-bygglov"]
    assert bygglov.field("fastighetsbeteckning").type == "text"
    assert bygglov.field("atgard").type == "radio"
    area = bygglov.field("byggnadsarea")
    assert area.type == "number" and area.show_if.field == "atgard"
    drawings = bygglov.field("ritningar")
    assert drawings.required and drawings.accept == ("pdf",)
    assert bygglov.has_coapplicants
    assert {bygglov.field("epost").prefill, bygglov.field("telefon").prefill} == {"email", "phone"}

    forskola = forms["ansokan-om-forskoleplats"]
    assert forskola.field("barnets_personnummer").type == "personnummer"
    start = forskola.field("startdatum")
    assert (start.min_date, start.max_date) == ("today", "+1y")
    assert forskola.field("forskolor").max_items == 3
    assert forskola.field("timmar_per_vecka").type == "number"
    assert forskola.field("andra_vardnadshavaren").type == "coapplicants"
    assert forskola.field("behov_beskrivning").show_if.field == "sarskilda_behov"

    felanmalan = forms["felanmalan-gata-park-och-belysning"]
    assert felanmalan.field("typ_av_fel").type == "select"
    photo = felanmalan.field("bilder")
    assert not photo.required and set(photo.accept) == {"jpg", "png", "heic"}

    servering = forms["serveringstillstand"]
    assert servering.field("organisationsnummer").type == "organisationsnummer"
    assert servering.field("restaurangens_adress").type == "address"


def test_step_conditions_hide_whole_steps():
    forms = {form.slug: form.definition for form in FORMS}
    parking = forms["parkeringstillstand-for-rorelsehindrade"]
    assert "namnteckning" in [s.id for s in parking.visible_steps({"roll": "forare"})]
    assert "namnteckning" not in [s.id for s in parking.visible_steps({"roll": "passagerare"})]
    support = forms["ansokan-om-ekonomiskt-bistand"]
    assert "inkomstbelopp" in [s.id for s in support.visible_steps({"inkomsttyper": ["lon"]})]
    assert "inkomstbelopp" not in [s.id for s in support.visible_steps({"inkomsttyper": []})]


def test_a_bad_form_file_fails_naming_the_file(tmp_path: Path):
    (tmp_path / "ansokan-om-bygglov.yaml").write_text(
        "steps:\n  - id: fastighet\n    title: Fastighet\n    fields:\n      - {id: beteckning, type: txt, label: X}\n",
        encoding="utf-8",
    )
    with pytest.raises(DemoDataError, match=r"forms/ansokan-om-bygglov\.yaml: .*beteckning"):
        read_forms(tmp_path)


async def versions() -> list[dict]:
    return await FormVersion.select(
        FormVersion.e_service.slug, FormVersion.version, FormVersion.definition, FormVersion.published
    ).order_by(FormVersion.id)


async def test_loading_twice_creates_nothing_the_second_time(settings):
    await load_catalogue(settings=settings)
    first = await load_forms(settings=settings)
    assert first == {"forms": len(FORMS), "created": len(FORMS), "unchanged": 0}
    rows = await versions()
    assert sorted(row["e_service.slug"] for row in rows) == sorted(form.slug for form in FORMS)
    assert all(row["version"] == 1 and row["published"] for row in rows)

    second = await load_forms(settings=settings)
    assert second == {"forms": len(FORMS), "created": 0, "unchanged": len(FORMS)}
    assert await versions() == rows


async def test_a_changed_text_becomes_the_next_version(settings):
    await load_catalogue(settings=settings)
    await load_forms(settings=settings)
    service = await EService.select(EService.id).where(EService.slug == "ansokan-om-bygglov").first()
    original = (FORMS_DIR / "ansokan-om-bygglov.yaml").read_text(encoding="utf-8")
    edited = original.replace("Hur når vi dig?", "Dina kontaktuppgifter")
    assert edited != original

    assert await store_form(service["id"], edited) == 2
    assert await store_form(service["id"], edited) is None
    latest = await FormVersion.select().where(FormVersion.e_service == service["id"]).order_by(FormVersion.version)
    assert [(row["version"], row["definition"]) for row in latest] == [(1, original), (2, edited)]

    # The file now differs from the latest version, so the loader stores it again as version 3.
    again = await load_forms(settings=settings)
    assert again["created"] == 1 and again["unchanged"] == len(FORMS) - 1
    assert await FormVersion.count().where(FormVersion.e_service == service["id"]) == 3


async def test_a_form_for_a_missing_e_service_stops_the_load(settings, tmp_path: Path):
    await load_catalogue(settings=settings)
    shutil.copy(FORMS_DIR / "ansokan-om-bygglov.yaml", tmp_path)
    shutil.copy(FORMS_DIR / "ansokan-om-bygglov.yaml", tmp_path / "finns-inte.yaml")
    with pytest.raises(DemoDataError, match=r"forms/finns-inte\.yaml: there is no e-service"):
        await load_forms(tmp_path, settings=settings)
    assert await FormVersion.count() == 0


async def test_a_form_must_fit_its_e_services_flags(settings, tmp_path: Path):
    await load_catalogue(settings=settings)
    bygglov = (FORMS_DIR / "ansokan-om-bygglov.yaml").read_text(encoding="utf-8")
    (tmp_path / "felanmalan-gata-park-och-belysning.yaml").write_text(bygglov, encoding="utf-8")
    with pytest.raises(DemoDataError, match="does not allow co-applicants"):
        await load_forms(tmp_path, settings=settings)
    assert await FormVersion.count() == 0
