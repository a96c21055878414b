"""Form definitions that are wrong are refused when loaded, with a Swedish message that names the step and field."""

from __future__ import annotations

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


def test_not_yaml_is_refused():
    with pytest.raises(DefinitionError, match="YAML"):
        load_definition("steps: [")


def test_what_bankid_shows_is_cut_to_fit_its_limit_with_a_note():
    from forms.engine import MAX_SIGNING_TEXT_BYTES, fits_bankid, signing_text, summarise

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
