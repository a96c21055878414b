"""Form definitions that are wrong are refused when loaded, with a Swedish message that names the step and field."""

from __future__ import annotations

import base64

import pytest

from forms.definition import DefinitionError, load_definition


def form(field: str) -> str:
    return f"steps:\n  - id: steg\n    title: Steg\n    fields:\n      - {field}\n"


def test_a_good_definition_loads():
    definition = load_definition(form("{id: namn, type: text, label: Namn, required: true}"))
    assert [f.id for f in definition.steps[0].fields] == ["namn"]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("{id: namn, type: txt, label: Namn}", "Steg ”steg”, fält ”namn”"),
        ("{id: namn, type: text}", "Steg ”steg”, fält ”namn”"),
        ("{id: namn, type: text, label: Namn (frivilligt)}", "skriv inte (frivilligt) i etiketten"),
        ("{id: antal, type: number, label: Antal, min: 5, max: 1}", "fält ”antal”"),
    ],
)
def test_mistakes_are_refused_with_the_step_and_field_named(field, message):
    with pytest.raises(DefinitionError) as refused:
        load_definition(form(field))
    assert message in str(refused.value)


TWO_STEPS = """
steps:
  - id: forst
    title: Först
    fields:
      - {id: typ, type: radio, label: Typ, options: [{value: a, label: A}, {value: b, label: B}]}
      - %s
  - id: %s
    title: Sedan
    fields:
      - %s
"""


@pytest.mark.parametrize(
    ("first", "second_id", "second", "message"),
    [
        (
            "{id: x, type: text, label: X, show_if: {field: senare, equals: a}}",
            "sedan",
            "{id: senare, type: text, label: S}",
            "fält ”x”",
        ),  # a condition on a later answer
        (
            "{id: x, type: text, label: X, show_if: {field: okand, equals: a}}",
            "sedan",
            "{id: y, type: text, label: Y}",
            "fält ”x”",
        ),  # on a field that does not exist
        ("{id: x, type: text, label: X}", "sedan", "{id: x, type: text, label: X2}", "fältets id används två gånger"),
        ("{id: x, type: text, label: X}", "forst", "{id: y, type: text, label: Y}", "Steg ”forst”: stegets id"),
        ("{id: x, type: radio, label: X, options: []}", "sedan", "{id: y, type: text, label: Y}", "fält ”x”"),
        ("{id: x, type: file, label: X, accept: [exe]}", "sedan", "{id: y, type: text, label: Y}", "fält ”x”"),
        (
            "{id: x, type: file, label: X, accept: [pdf], max_files: 99}",
            "sedan",
            "{id: y, type: text, label: Y}",
            "max_files",
        ),
        ("{id: x, type: number, label: X, prefill: email}", "sedan", "{id: y, type: text, label: Y}", "prefill"),
        ("{id: x, type: text, label: X, colour: red}", "sedan", "{id: y, type: text, label: Y}", "fält ”x”"),
        (
            "{id: x, type: info, text: Läs., required: true}",
            "sedan",
            "{id: y, type: text, label: Y}",
            "informationstext",
        ),
    ],
)
def test_mistakes_across_steps_are_refused_with_where_they_are(first, second_id, second, message):
    with pytest.raises(DefinitionError) as refused:
        load_definition(TWO_STEPS % (first, second_id, second))
    assert message in str(refused.value)


def test_not_yaml_is_refused():
    with pytest.raises(DefinitionError, match="YAML"):
        load_definition("steps: [")


def test_what_bankid_shows_is_cut_to_fit_its_limit_with_a_note():
    from forms.engine import MAX_SIGNING_TEXT_BYTES, signing_text, summarise

    def fits_bankid(text: str) -> bool:  # userVisibleData: at most 1,500 characters of base64
        return 0 < len(base64.b64encode(text.encode())) <= 1500

    definition = load_definition(
        "steps:\n  - id: om\n    title: Om ärendet\n    fields:\n"
        + "".join(f"      - {{id: f{n}, type: textarea, label: Fråga {n}}}\n" for n in range(12))
    )
    answers = {f"f{n}": "Åäö och mer text om ärendet. " * 8 for n in range(12)}
    text = signing_text("Marks kommun", "Bygglov", summarise(definition, answers, {}))
    assert fits_bankid(text) and len(text.encode()) <= MAX_SIGNING_TEXT_BYTES
    assert text.startswith("# Bygglov") and "*Fråga 0:* Åäö" in text
    assert text.endswith("(Hela ansökan visas i e-tjänsten.)")  # the signer is told it was cut
    short = signing_text("Marks kommun", "Bygglov", summarise(definition, {"f0": "Kort"}, {}))
    assert fits_bankid(short) and "Hela ansökan" not in short
