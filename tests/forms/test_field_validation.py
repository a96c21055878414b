"""The server checks every field type itself: a wrong answer gets its exact Swedish message, keyed by the input the
error summary links to, and is kept as typed so the page can show it again; a right answer is stored normalised.

The checks run through `forms.engine.read_step` and `check_all`, the way the step and check-answers routes call them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from db.applications import Draft
from forms.definition import DefinitionError, FormDefinition, load_definition
from forms.engine import StepOutcome, check_all, read_step, summarise
from forms.fields import Context
from tests.applications.helpers import post_step, start
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

TODAY = date(2026, 5, 15)
ERIK = "198112189876"  # the applicant
SARA = "199505199902"
CTX = Context(today=TODAY, own_personal_number=ERIK)
STEP = "steg"


def definition_with(*fields: str) -> FormDefinition:
    """A one-step form with the fields given as YAML flow mappings."""
    lines = "".join(f"      - {field}\n" for field in fields)
    return load_definition(f"steps:\n  - id: {STEP}\n    title: Steg\n    fields:\n{lines}")


def post(definition: FormDefinition, form: dict, files: dict | None = None) -> StepOutcome:
    """Post the step as the page does: every field on it was shown."""
    step = definition.steps[0]
    data = {name: value if isinstance(value, list) else [value] for name, value in form.items()}
    return read_step(definition, step, data, {}, CTX, files=files or {}, shown={f.id for f in step.fields})


TEXT = "{id: namn, type: text, label: Namn, required: true}"
SHORT_TEXT = "{id: namn, type: text, label: Namn, max_length: 5}"
TEXTAREA = "{id: beskrivning, type: textarea, label: Beskrivning, required: true, max_length: 10}"
LONG_TEXTAREA = "{id: beskrivning, type: textarea, label: Beskrivning}"
NUMBER = "{id: yta, type: number, label: Yta, unit: kvm, min: 1, max: 1000}"
INTEGER = "{id: antal, type: number, label: Antal, integer: true}"
DECIMAL = "{id: djup, type: number, label: Djup, min: 0.5}"
EMAIL = "{id: epost, type: email, label: E-post}"
PHONE = "{id: telefon, type: phone, label: Telefon}"
PERSONAL = "{id: pnr, type: personnummer, label: Personnummer}"
ORGANISATION = "{id: orgnr, type: organisationsnummer, label: Organisationsnummer}"
DATE = "{id: start, type: date, label: Startdatum, required: true, min_date: today, max_date: +30d}"
BIRTH_DATE = "{id: fodd, type: date, label: Födelsedatum, min_date: 1900-01-01, max_date: -18y}"
RADIO = (
    "{id: typ, type: radio, label: Typ, required: true, options: [{value: a, label: Alfa}, {value: b, label: Beta}]}"
)
CHECKBOXES = "{id: kryss, type: checkboxes, label: Kryss, required: true, options: [x, y, z]}"
CHECKBOXES_LIMITED = "{id: kryss, type: checkboxes, label: Kryss, options: [x, y, z], min_items: 2, max_items: 2}"
SELECT = "{id: kommun, type: select, label: Kommun, required: true, options: [Mark, Borås]}"
YESNO = "{id: bygglov, type: yesno, label: Har du bygglov, required: true}"
ADDRESS = "{id: adress, type: address, label: Adress, required: true}"
COAPPLICANTS = "{id: medsokande, type: coapplicants, label: Medsökande, max_items: 3}"
COAPPLICANTS_TWO = "{id: medsokande, type: coapplicants, label: Medsökande, min_items: 2, max_items: 3}"
FILE = "{id: ritningar, type: file, label: Ritningar, required: true, max_files: 2}"
INFO = "{id: upplysning, type: info, text: Läs detta först.}"


def address(street="", postal_code="", city="", care_of="") -> dict:
    return {
        "adress__care_of": care_of,
        "adress__street": street,
        "adress__postal_code": postal_code,
        "adress__city": city,
    }


def stored_address(street="", postal_code="", city="", care_of="") -> dict:
    return {"care_of": care_of, "street": street, "postal_code": postal_code, "city": city}


PHONE_MESSAGE = "Ange ett telefonnummer, till exempel 0320-21 70 00 eller 070-123 45 67"
EMAIL_MESSAGE = "Ange en e-postadress i rätt format, till exempel namn@exempel.se"
PNR_CHECK_DIGIT = "Personnumret är inte giltigt: kontrollera den sista siffran"
PNR_NO_SUCH_DATE = "Personnumret är inte giltigt: födelsedatumet finns inte"
NOT_A_NUMBER = "Ange ett tal för ”Yta”, till exempel 12 eller 12,5"
NOT_A_DATE = "Ange ett giltigt datum för ”Startdatum”, till exempel 2027-03-31"

# field, posted form, the input the error is keyed by (the error summary's link), message, answer kept for redisplay
WRONG_ANSWERS = [
    # text
    pytest.param(TEXT, {}, "namn", "Fyll i ”Namn”", "", id="text-missing"),
    pytest.param(TEXT, {"namn": "   "}, "namn", "Fyll i ”Namn”", "", id="text-blank"),
    pytest.param(
        SHORT_TEXT,
        {"namn": "Andersson"},
        "namn",
        "”Namn” får vara högst 5 tecken – du har skrivit 9",
        "Andersson",
        id="text-too-long",
    ),
    pytest.param(
        "{id: namn, type: text, label: Namn}",
        {"namn": "å" * 201},
        "namn",
        "”Namn” får vara högst 200 tecken – du har skrivit 201",
        "å" * 201,
        id="text-default-max-length",
    ),
    # textarea: kept exactly, line breaks and all
    pytest.param(TEXTAREA, {}, "beskrivning", "Fyll i ”Beskrivning”", "", id="textarea-missing"),
    pytest.param(
        TEXTAREA,
        {"beskrivning": "rad ett\nrad två\n"},
        "beskrivning",
        "”Beskrivning” får vara högst 10 tecken – du har skrivit 16",
        "rad ett\nrad två\n",
        id="textarea-too-long",
    ),
    pytest.param(
        LONG_TEXTAREA,
        {"beskrivning": "x" * 4001},
        "beskrivning",
        "”Beskrivning” får vara högst 4\u00a0000 tecken – du har skrivit 4\u00a0001",
        "x" * 4001,
        id="textarea-default-max-length",
    ),
    # number
    pytest.param(NUMBER, {"yta": "tolv"}, "yta", NOT_A_NUMBER, "tolv", id="number-not-a-number"),
    pytest.param(NUMBER, {"yta": "12.5.1"}, "yta", NOT_A_NUMBER, "12.5.1", id="number-two-points"),
    pytest.param(NUMBER, {"yta": "NaN"}, "yta", NOT_A_NUMBER, "NaN", id="number-nan"),
    pytest.param(NUMBER, {"yta": "1e309"}, "yta", NOT_A_NUMBER, "1e309", id="number-infinite"),
    pytest.param(NUMBER, {"yta": "0"}, "yta", "”Yta” måste vara minst 1", "0", id="number-below-min"),
    pytest.param(
        NUMBER, {"yta": "1 000,5"}, "yta", "”Yta” får vara högst 1\u00a0000", "1 000,5", id="number-above-max"
    ),
    pytest.param(INTEGER, {"antal": "2,5"}, "antal", "Ange ett heltal för ”Antal”", "2,5", id="number-not-whole"),
    pytest.param(DECIMAL, {"djup": "0,25"}, "djup", "”Djup” måste vara minst 0,5", "0,25", id="number-decimal-min"),
    # e-mail
    pytest.param(EMAIL, {"epost": "erik@"}, "epost", EMAIL_MESSAGE, "erik@", id="email-no-domain"),
    pytest.param(EMAIL, {"epost": "erik.example.se"}, "epost", EMAIL_MESSAGE, "erik.example.se", id="email-no-at"),
    pytest.param(
        EMAIL,
        {"epost": "a" * 250 + "@x.se"},
        "epost",
        "E-postadressen är för lång",
        "a" * 250 + "@x.se",
        id="email-too-long",
    ),
    # phone
    pytest.param(PHONE, {"telefon": "123"}, "telefon", PHONE_MESSAGE, "123", id="phone-too-short"),
    pytest.param(PHONE, {"telefon": "ring mig"}, "telefon", PHONE_MESSAGE, "ring mig", id="phone-not-a-number"),
    # personnummer
    pytest.param(PERSONAL, {"pnr": "19811218-9877"}, "pnr", PNR_CHECK_DIGIT, "19811218-9877", id="pnr-check-digit"),
    pytest.param(PERSONAL, {"pnr": "811218-9877"}, "pnr", PNR_CHECK_DIGIT, "811218-9877", id="pnr-10-check-digit"),
    pytest.param(PERSONAL, {"pnr": "19810230-1234"}, "pnr", PNR_NO_SUCH_DATE, "19810230-1234", id="pnr-bad-date"),
    pytest.param(PERSONAL, {"pnr": "810230-1234"}, "pnr", PNR_NO_SUCH_DATE, "810230-1234", id="pnr-10-bad-date"),
    pytest.param(
        PERSONAL,
        {"pnr": "20300101-1232"},
        "pnr",
        "Personnumret är inte giltigt: födelsedatumet ligger i framtiden",
        "20300101-1232",
        id="pnr-future",
    ),
    pytest.param(
        PERSONAL,
        {"pnr": "18800101-1231"},
        "pnr",
        "Personnumret är inte giltigt: kontrollera födelseåret",
        "18800101-1231",
        id="pnr-too-old",
    ),
    pytest.param(
        PERSONAL,
        {"pnr": "8112189"},
        "pnr",
        "Ange ett personnummer med 12 siffror, till exempel 19811218-9876",
        "8112189",
        id="pnr-too-short",
    ),
    # organisationsnummer
    pytest.param(
        ORGANISATION,
        {"orgnr": "212000-0143"},
        "orgnr",
        "Organisationsnumret är inte giltigt: kontrollera den sista siffran",
        "212000-0143",
        id="orgnr-check-digit",
    ),
    pytest.param(
        ORGANISATION,
        {"orgnr": "551000-0000"},
        "orgnr",
        "Organisationsnumret är inte giltigt: den tredje siffran måste vara 2 eller högre",
        "551000-0000",
        id="orgnr-third-digit",
    ),
    pytest.param(
        ORGANISATION,
        {"orgnr": "21200"},
        "orgnr",
        "Ange ett organisationsnummer med 10 siffror, till exempel 212000-0142",
        "21200",
        id="orgnr-too-short",
    ),
    # date (today is 2026-05-15)
    pytest.param(DATE, {}, "start", "Fyll i ”Startdatum”", "", id="date-missing"),
    pytest.param(DATE, {"start": "15/6 2026"}, "start", NOT_A_DATE, "15/6 2026", id="date-not-a-date"),
    pytest.param(DATE, {"start": "2026-02-30"}, "start", NOT_A_DATE, "2026-02-30", id="date-no-such-day"),
    pytest.param(
        DATE,
        {"start": "2026-05-14"},
        "start",
        "”Startdatum” måste vara 2026-05-15 eller senare",
        "2026-05-14",
        id="date-before-today",
    ),
    pytest.param(
        DATE,
        {"start": "2026-06-15"},
        "start",
        "”Startdatum” måste vara 2026-06-14 eller tidigare",
        "2026-06-15",
        id="date-after-30-days",
    ),
    pytest.param(
        BIRTH_DATE,
        {"fodd": "2010-01-01"},
        "fodd",
        "”Födelsedatum” måste vara 2008-05-15 eller tidigare",
        "2010-01-01",
        id="date-under-18-years",
    ),
    pytest.param(
        BIRTH_DATE,
        {"fodd": "1899-12-31"},
        "fodd",
        "”Födelsedatum” måste vara 1900-01-01 eller senare",
        "1899-12-31",
        id="date-before-fixed-date",
    ),
    # radio
    pytest.param(RADIO, {}, "typ-1", "Välj ett svar på ”Typ”", "", id="radio-missing"),
    pytest.param(RADIO, {"typ": "c"}, "typ-1", "Välj ett av svarsalternativen för ”Typ”", "c", id="radio-unknown"),
    pytest.param(
        RADIO, {"typ": "Alfa"}, "typ-1", "Välj ett av svarsalternativen för ”Typ”", "Alfa", id="radio-label-not-value"
    ),
    # checkboxes
    pytest.param(CHECKBOXES, {}, "kryss-1", "Välj minst ett svar på ”Kryss”", [], id="checkboxes-missing"),
    pytest.param(
        CHECKBOXES,
        {"kryss": ["x", "q"]},
        "kryss-1",
        "Välj bland svarsalternativen för ”Kryss”",
        ["x", "q"],
        id="checkboxes-unknown",
    ),
    pytest.param(
        CHECKBOXES,
        {"kryss": ["y", "y"]},
        "kryss-1",
        "Välj bland svarsalternativen för ”Kryss”",
        ["y", "y"],
        id="checkboxes-twice",
    ),
    pytest.param(
        CHECKBOXES_LIMITED, {"kryss": ["x"]}, "kryss-1", "Välj minst 2 svar på ”Kryss”", ["x"], id="checkboxes-min"
    ),
    pytest.param(
        CHECKBOXES_LIMITED,
        {"kryss": ["x", "y", "z"]},
        "kryss-1",
        "Välj högst 2 svar på ”Kryss”",
        ["x", "y", "z"],
        id="checkboxes-max",
    ),
    # select
    pytest.param(SELECT, {}, "kommun", "Välj ett svar på ”Kommun”", "", id="select-missing"),
    pytest.param(
        SELECT,
        {"kommun": "Göteborg"},
        "kommun",
        "Välj ett av svarsalternativen för ”Kommun”",
        "Göteborg",
        id="select-unknown",
    ),
    # yes/no
    pytest.param(YESNO, {}, "bygglov-1", "Välj ett svar på ”Har du bygglov”", "", id="yesno-missing"),
    pytest.param(
        YESNO,
        {"bygglov": "kanske"},
        "bygglov-1",
        "Välj ett av svarsalternativen för ”Har du bygglov”",
        "kanske",
        id="yesno-unknown",
    ),
    # address
    pytest.param(
        ADDRESS, address(), "adress__street", "Ange adressen för ”Adress”", stored_address(), id="address-missing"
    ),
    pytest.param(
        ADDRESS,
        address(postal_code="511 54", city="Kinna", care_of="c/o Berg"),
        "adress__street",
        "Ange gatuadress, postnummer och ort för ”Adress”",
        stored_address(postal_code="511 54", city="Kinna", care_of="c/o Berg"),
        id="address-no-street",
    ),
    pytest.param(
        ADDRESS,
        address("Storgatan 1", "", "Kinna"),
        "adress__street",
        "Ange gatuadress, postnummer och ort för ”Adress”",
        stored_address("Storgatan 1", "", "Kinna"),
        id="address-no-postal-code",
    ),
    pytest.param(
        ADDRESS,
        address("Storgatan 1", "5115", "Kinna"),
        "adress__street",
        "Ange ett postnummer med fem siffror, till exempel 511 54",
        stored_address("Storgatan 1", "5115", "Kinna"),
        id="address-short-postal-code",
    ),
    pytest.param(
        ADDRESS,
        address("Storgatan 1", "SE-511 54", "Kinna"),
        "adress__street",
        "Ange ett postnummer med fem siffror, till exempel 511 54",
        stored_address("Storgatan 1", "SE-511 54", "Kinna"),
        id="address-letters-in-postal-code",
    ),
    pytest.param(
        ADDRESS,
        address("S" * 101, "511 54", "Kinna"),
        "adress__street",
        "En adressrad får vara högst 100 tecken",
        stored_address("S" * 101, "511 54", "Kinna"),
        id="address-line-too-long",
    ),
    # co-applicants (the applicant is ERIK)
    pytest.param(
        COAPPLICANTS,
        {"medsokande__1": "811218-9876"},
        "medsokande__1",
        "Ange dina medsökandes personnummer, inte ditt eget",
        ["811218-9876"],
        id="coapplicants-own-number",
    ),
    pytest.param(
        COAPPLICANTS,
        {"medsokande__1": SARA, "medsokande__2": "19811218-9877"},
        "medsokande__1",
        PNR_CHECK_DIGIT,
        [SARA, "19811218-9877"],
        id="coapplicants-invalid",
    ),
    pytest.param(
        COAPPLICANTS,
        {"medsokande__1": "abc"},
        "medsokande__1",
        "Ange ett personnummer med 12 siffror, till exempel 19811218-9876",
        ["abc"],
        id="coapplicants-not-a-number",
    ),
    pytest.param(
        COAPPLICANTS,
        {"medsokande__1": SARA, "medsokande__3": "950519-9902"},
        "medsokande__1",
        "Samma personnummer har angetts två gånger",
        [SARA, "950519-9902"],
        id="coapplicants-twice",
    ),
    pytest.param(
        COAPPLICANTS_TWO,
        {},
        "medsokande__1",
        "Ange personnumret för minst en medsökande",
        [],
        id="coapplicants-missing",
    ),
    pytest.param(
        COAPPLICANTS_TWO,
        {"medsokande__2": SARA},
        "medsokande__1",
        "Ange minst 2 medsökande",
        [SARA],
        id="coapplicants-too-few",
    ),
]


@pytest.mark.parametrize(("field", "form", "anchor", "message", "kept"), WRONG_ANSWERS)
def test_a_wrong_answer_gets_its_swedish_message_and_is_kept_as_typed(field, form, anchor, message, kept):
    definition = definition_with(field)
    outcome = post(definition, form)
    assert outcome.errors == {anchor: message}
    assert not outcome.complete
    assert outcome.answers[definition.steps[0].fields[0].id] == kept
    # Checking the stored answers before submitting finds the same problem, on the same step.
    assert check_all(definition, outcome.answers, CTX, {}) == {STEP: {anchor: message}}


# field, posted form, what is stored
RIGHT_ANSWERS = [
    pytest.param(TEXT, {"namn": "  Erik Andersson "}, "Erik Andersson", id="text-trimmed"),
    pytest.param(SHORT_TEXT, {"namn": "Erik"}, "Erik", id="text-within-max"),
    pytest.param(TEXTAREA, {"beskrivning": " rad\nrad\n"}, " rad\nrad\n", id="textarea-as-typed"),
    pytest.param(NUMBER, {"yta": "12,5"}, "12.5", id="number-decimal-comma"),
    pytest.param(NUMBER, {"yta": "1 000"}, "1000", id="number-spaces"),
    pytest.param(NUMBER, {"yta": "1"}, "1", id="number-min-inclusive"),
    pytest.param(INTEGER, {"antal": "-3"}, "-3", id="number-negative-whole"),
    pytest.param(DECIMAL, {"djup": "0,5"}, "0.5", id="number-decimal-min-inclusive"),
    pytest.param(EMAIL, {"epost": " Erik.Andersson@Example.SE "}, "Erik.Andersson@example.se", id="email"),
    # A phone number is checked but kept as typed (prefill fills it in the national form, 070-123 45 67).
    pytest.param(PHONE, {"telefon": " 070-123 45 67 "}, "070-123 45 67", id="phone-mobile"),
    pytest.param(PHONE, {"telefon": "0320-21 70 00"}, "0320-21 70 00", id="phone-landline"),
    pytest.param(PHONE, {"telefon": "+46 70 123 45 67"}, "+46 70 123 45 67", id="phone-international"),
    pytest.param(PERSONAL, {"pnr": "811218-9876"}, ERIK, id="pnr-10-digits"),
    pytest.param(PERSONAL, {"pnr": "8112189876"}, ERIK, id="pnr-10-digits-no-dash"),
    pytest.param(PERSONAL, {"pnr": "19811218-9876"}, ERIK, id="pnr-12-digits"),
    pytest.param(PERSONAL, {"pnr": "198112189876"}, ERIK, id="pnr-12-digits-no-dash"),
    pytest.param(PERSONAL, {"pnr": "811218\u20139876"}, ERIK, id="pnr-en-dash"),
    pytest.param(PERSONAL, {"pnr": "121212-1212"}, "201212121212", id="pnr-recent-century"),
    pytest.param(PERSONAL, {"pnr": "121212+1212"}, "191212121212", id="pnr-centenarian"),
    pytest.param(ORGANISATION, {"orgnr": "212000-0142"}, "2120000142", id="orgnr-dash"),
    pytest.param(ORGANISATION, {"orgnr": "2120000142"}, "2120000142", id="orgnr-digits"),
    pytest.param(ORGANISATION, {"orgnr": "16212000-0142"}, "2120000142", id="orgnr-12-digits"),
    pytest.param(DATE, {"start": "2026-05-15"}, "2026-05-15", id="date-today-inclusive"),
    pytest.param(DATE, {"start": "2026-06-14"}, "2026-06-14", id="date-last-day-inclusive"),
    pytest.param(RADIO, {"typ": "b"}, "b", id="radio"),
    pytest.param(CHECKBOXES, {"kryss": ["z", "x"]}, ["z", "x"], id="checkboxes"),
    pytest.param(CHECKBOXES_LIMITED, {"kryss": ["x", "y"]}, ["x", "y"], id="checkboxes-within-limits"),
    pytest.param(SELECT, {"kommun": "Borås"}, "Borås", id="select"),
    pytest.param(YESNO, {"bygglov": "nej"}, "nej", id="yesno"),
    pytest.param(
        ADDRESS,
        address(" Storgatan 1 ", "51154", "Kinna", "c/o Berg"),
        stored_address("Storgatan 1", "511 54", "Kinna", "c/o Berg"),
        id="address-postal-code-spaced",
    ),
    pytest.param(COAPPLICANTS, {}, [], id="coapplicants-none"),
    pytest.param(COAPPLICANTS, {"medsokande__2": "950519-9902"}, [SARA], id="coapplicants-normalised"),
    pytest.param(
        COAPPLICANTS, {"medsokande__1": SARA, "medsokande__4": "811218-9876"}, [SARA], id="coapplicants-extra-slot"
    ),
]


@pytest.mark.parametrize(("field", "form", "stored"), RIGHT_ANSWERS)
def test_a_right_answer_is_accepted_and_stored_normalised(field, form, stored):
    definition = definition_with(field)
    outcome = post(definition, form)
    assert outcome.errors == {} and outcome.complete
    assert outcome.answers[definition.steps[0].fields[0].id] == stored
    assert check_all(definition, outcome.answers, CTX, {}) == {}


def test_a_required_textarea_of_only_blanks_is_missing():
    outcome = post(definition_with(TEXTAREA), {"beskrivning": "  \n \n"})
    assert outcome.errors == {"beskrivning": "Fyll i ”Beskrivning”"}
    assert outcome.answers["beskrivning"] == "  \n \n"


@pytest.mark.parametrize("typed", ["20260520", "2026-W21-3"])
def test_an_accepted_date_is_stored_as_year_month_day(typed):
    outcome = post(definition_with(DATE), {"start": typed})
    assert outcome.answers["start"] == "2026-05-20" or outcome.errors == {"start": NOT_A_DATE}


def test_files_are_counted_and_required_but_not_read_from_the_form():
    definition = definition_with(FILE)
    missing = post(definition, {"ritningar": "ritning.pdf"})
    assert missing.errors == {"ritningar": "Ladda upp en fil för ”Ritningar”"}
    assert "ritningar" not in missing.answers  # files arrive by upload, never as a form value
    too_many = post(definition, {}, files={"ritningar": ["a.pdf", "b.pdf", "c.pdf"]})
    assert too_many.errors == {"ritningar": "Antalet filer får vara högst 2"}
    assert check_all(definition, {}, CTX, {"ritningar": ["a.pdf", "b.pdf", "c.pdf"]}) == {
        STEP: {"ritningar": "Antalet filer får vara högst 2"}
    }
    assert post(definition, {}, files={"ritningar": ["a.pdf"]}).complete


def test_an_information_text_takes_no_input():
    definition = definition_with(INFO, TEXT)
    outcome = post(definition, {"upplysning": "inskjutet värde", "namn": "Erik"})
    assert outcome.errors == {} and outcome.complete
    assert outcome.answers == {"namn": "Erik"}
    assert check_all(definition, outcome.answers, CTX, {}) == {}
    rows = [row.field.id for section in summarise(definition, outcome.answers, {}) for row in section.rows]
    assert rows == ["namn"]  # nothing to show for it on the check-answers page either


def test_an_information_text_marked_required_does_not_block_the_step():
    try:
        definition = definition_with("{id: upplysning, type: info, text: Läs detta., required: true}")
    except DefinitionError:
        return  # refusing the definition is fine too
    outcome = post(definition, {})
    assert outcome.errors == {}


def test_wrong_answers_are_listed_in_form_order_and_right_ones_are_still_normalised():
    definition = definition_with(PERSONAL, EMAIL, ORGANISATION, RADIO)
    outcome = post(definition, {"pnr": "811218-9876", "epost": "erik@", "orgnr": "212000-0142", "typ": "x"})
    assert list(outcome.errors.items()) == [
        ("epost", EMAIL_MESSAGE),
        ("typ-1", "Välj ett av svarsalternativen för ”Typ”"),
    ]
    assert outcome.answers == {"pnr": ERIK, "epost": "erik@", "orgnr": "2120000142", "typ": "x"}


def test_saving_without_checking_keeps_every_answer_as_typed():
    definition = definition_with(PERSONAL, NUMBER, ADDRESS)
    step = definition.steps[0]
    form = {"pnr": ["811218-9876"], "yta": ["1 000"], **{k: [v] for k, v in address("Storgatan 1", "51154").items()}}
    outcome = read_step(definition, step, form, {}, CTX, files={}, shown=None, validate=False)
    assert outcome.errors == {}
    assert outcome.answers == {
        "pnr": "811218-9876",
        "yta": "1 000",
        "adress": stored_address("Storgatan 1", "51154"),
    }


CHECK_FORM = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Namn, required: true}
      - {id: adress, type: address, label: Adress}
  - id: beslut
    title: Beslut
    fields:
      - {id: bygglov, type: yesno, label: Har du bygglov, required: true}
      - {id: yta, type: number, label: Yta, unit: kvm}
"""


@pytest.mark.usefixtures("db")
async def test_check_answers_with_a_missing_answer_says_what_and_where_and_keeps_the_answers(client, app):
    await make_service_with_form(CHECK_FORM, slug="bygglov")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "bygglov")
    first = await post_step(
        client, draft_id, "om_dig", {"namn": "Erik Andersson", **address("Storgatan 1", "51154", "Kinna")}
    )
    assert first.status_code == 303, first.text
    saved = await post_step(client, draft_id, "beslut", {"yta": "12,5"}, action="save")  # not the required answer
    assert saved.status_code == 303
    page = await client.get(f"/ansokan/{draft_id}/granska")
    response = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(page.text)})
    assert response.status_code == 400
    assert "<title>Fel: Kontrollera dina svar" in response.text
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
    assert "Det finns ett problem" in summary
    link = f"/ansokan/{draft_id}/steg/beslut?tillbaka=granska#bygglov-1"
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', summary) == [
        (link, "Välj ett svar på ”Har du bygglov”")
    ]
    for shown in ("Erik Andersson", "Storgatan 1", "511 54 Kinna", "12,5 kvm"):
        assert shown in response.text, shown
    draft = await Draft.objects().output(load_json=True).first()
    assert draft.answers["namn"] == "Erik Andersson" and draft.answers["yta"] == "12,5"
    assert draft.status == "draft"
    target = await client.get(link.split("#")[0])
    assert target.status_code == 200 and 'id="bygglov-1"' in target.text


REVEALING = (
    "{id: typ, type: radio, label: Typ, required: true, options: [fraga, klagomal, berom]}",
    "{id: kommentar, type: textarea, label: Kommentar, show_if: {field: typ, any_of: [klagomal, berom]}}",
    "{id: orsak, type: text, label: Vad gick fel, required: true, show_if: {field: typ, equals: klagomal}}",
    "{id: bilagor, type: checkboxes, label: Bilagor, min_items: 1, options: [foto],"
    " show_if: {field: typ, equals: fraga}}",
)


@pytest.mark.parametrize(
    ("answer", "revealed", "complete"),
    [
        ("berom", ["kommentar"], True),  # only an optional question: nothing to stop for
        ("klagomal", ["kommentar", "orsak"], False),  # a required one stops the step, and both are shown
        ("fraga", ["bilagor"], False),  # at least one item to choose is required too
    ],
)
def test_only_a_newly_revealed_question_that_needs_an_answer_stops_the_step(answer, revealed, complete):
    """Without JavaScript a question appears only after "Fortsätt"; the page showed just the first one."""
    definition = definition_with(*REVEALING)
    step = definition.steps[0]
    outcome = read_step(definition, step, {"typ": [answer]}, {}, CTX, files={}, shown={"typ"})
    assert outcome.errors == {}
    assert outcome.revealed == revealed
    assert outcome.complete is complete
