"""Running a form: reading a posted step, moving between the steps that apply, checking the whole application
before it is signed or submitted, summarising the answers, and the canonical text that signatures bind to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.i18n import format_date, format_number
from core.i18n import gettext as _
from core.nouns import DEFAULT_NOUN, for_noun
from forms.definition import Field, FormDefinition, Step
from forms.fields import Context, FormData, check, input_id, is_empty, normalise, read

# BankID allows 1,500 characters of base64 in userVisibleData: about 1,100 bytes of UTF-8 text.
MAX_SIGNING_TEXT_BYTES = 1_100


@dataclass
class StepOutcome:
    answers: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    revealed: list[str] = field(default_factory=list)  # questions these answers showed, which the page did not
    revealed_required: bool = False  # one of them needs an answer: the user sees it before the step is done

    @property
    def complete(self) -> bool:
        return not self.errors and not self.revealed_required


def read_step(
    definition: FormDefinition,
    step: Step,
    form: FormData,
    answers: Mapping[str, Any],
    ctx: Context,
    *,
    files: Mapping[str, Sequence[Any]],
    shown: set[str] | None,
    validate: bool = True,
) -> StepOutcome:
    """Take the step's answers from the posted form. `shown` is the set of fields the page showed (None: unknown);
    a field that a new answer has just revealed is not checked yet, so a user without JavaScript sees it first. Only
    a revealed question that needs an answer keeps the step from being complete: an optional one may stay empty."""
    updated = dict(answers)
    for f in step.fields:
        if f.takes_input and f.type != "file":
            updated[f.id] = read(f, form)
    outcome = StepOutcome(updated)
    if not validate:
        return outcome
    for f in definition.visible_fields(step, updated):
        if shown is not None and f.id not in shown and f.takes_input:
            outcome.revealed.append(f.id)
            outcome.revealed_required = outcome.revealed_required or f.answer_required
            continue
        message = check(f, files.get(f.id, []) if f.type == "file" else updated.get(f.id), ctx)
        if message:
            outcome.errors[input_id(f)] = message
        elif f.takes_input and f.type != "file":
            updated[f.id] = normalise(f, updated[f.id], ctx)
    return outcome


def check_all(
    definition: FormDefinition, answers: Mapping[str, Any], ctx: Context, files: Mapping[str, Sequence[Any]]
) -> dict[str, dict[str, str]]:
    """Every visible step's errors, by step id; empty when the application may be signed or submitted."""
    problems: dict[str, dict[str, str]] = {}
    for step in definition.visible_steps(answers):
        for f in definition.visible_fields(step, answers):
            message = check(f, files.get(f.id, []) if f.type == "file" else answers.get(f.id), ctx)
            if message:
                problems.setdefault(step.id, {})[input_id(f)] = message
    return problems


def next_step(definition: FormDefinition, answers: Mapping[str, Any], current: str) -> Step | None:
    steps = definition.visible_steps(answers)
    ids = [s.id for s in steps]
    if current not in ids:
        return steps[0] if steps else None
    position = ids.index(current)
    return steps[position + 1] if position + 1 < len(steps) else None


def previous_step(definition: FormDefinition, answers: Mapping[str, Any], current: str) -> Step | None:
    steps = definition.visible_steps(answers)
    ids = [s.id for s in steps]
    position = ids.index(current) if current in ids else 0
    return steps[position - 1] if position > 0 else None


def step_position(definition: FormDefinition, answers: Mapping[str, Any], step: Step) -> tuple[int, int]:
    steps = [s.id for s in definition.visible_steps(answers)]
    return (steps.index(step.id) + 1 if step.id in steps else 1), len(steps)


@dataclass(frozen=True)
class Row:
    field: Field
    lines: tuple[str, ...]
    step_id: str
    anchor: str


@dataclass(frozen=True)
class Section:
    step: Step
    rows: tuple[Row, ...]


def display_lines(f: Field, value: Any, filenames: Sequence[str] = ()) -> tuple[str, ...]:
    """An answer as the lines a person reads (check answers, receipts, staff views)."""
    if f.type == "file":
        return tuple(filenames)
    if is_empty(value):
        return ()
    if f.type in ("radio", "select", "yesno"):
        return (f.option_label(value),)
    if f.type == "checkboxes":
        return tuple(f.option_label(item) for item in value)
    if f.type == "address":
        postal = " ".join(part for part in (value.get("postal_code"), value.get("city")) if part)
        return tuple(line for line in (value.get("care_of"), value.get("street"), postal) if line)
    if f.type == "coapplicants":
        return tuple(_personal_number_text(number) for number in value)
    if f.type == "personnummer":
        return (_personal_number_text(value),)
    if f.type == "organisationsnummer" and len(value) == 10 and value.isdigit():
        return (f"{value[:6]}-{value[6:]}",)
    if f.type == "date":
        try:
            return (format_date(date.fromisoformat(value)),)
        except ValueError:
            return (value,)
    if f.type == "number":
        try:
            text = format_number(float(value)) if "." in value else format_number(int(value))
        except ValueError:
            text = value
        return (f"{text} {f.unit}".strip(),)
    return tuple(str(value).splitlines() or [""])


def _personal_number_text(number: str) -> str:
    return f"{number[:8]}-{number[8:]}" if len(number) == 12 and number.isdigit() else number


def summarise(
    definition: FormDefinition, answers: Mapping[str, Any], filenames: Mapping[str, Sequence[str]]
) -> list[Section]:
    sections = []
    for step in definition.visible_steps(answers):
        rows = tuple(
            Row(f, display_lines(f, answers.get(f.id), filenames.get(f.id, ())), step.id, input_id(f))
            for f in definition.visible_fields(step, answers)
            if f.takes_input
        )
        if rows:
            sections.append(Section(step, rows))
    return sections


def canonical_submission(
    *,
    service_slug: str,
    form_version: int,
    answers: Mapping[str, Any],
    attachments: Sequence[tuple[str, str, str]],
    applicant: str | None,
    coapplicants: Sequence[str],
) -> bytes:
    """The exact bytes every signature binds to: any change to the answers or files changes the digest.
    `attachments` are (field id, filename, sha256)."""
    document = {
        "e_service": service_slug,
        "form_version": form_version,
        "answers": answers,
        "attachments": sorted(attachments),
        "applicant": applicant,
        "coapplicants": sorted(coapplicants),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def signing_text(municipality: str, service_title: str, sections: Sequence[Section], noun: str = DEFAULT_NOUN) -> str:
    """What BankID shows the signer (simpleMarkdownV1), cut to fit BankID's limit with a note that it was cut."""
    lines = [
        f"# {service_title}",
        "",
        for_noun(noun, "You sign your application to %(municipality)s.", municipality=municipality),
        "",
    ]
    for section in sections:
        lines.append(f"## {section.step.title}")
        for row in section.rows:
            value = ", ".join(row.lines) or "–"
            lines.append(f"*{_escape_markdown(row.field.label)}:* {_escape_markdown(value)}")
        lines.append("")
    text = "\n".join(lines).strip()
    cut_note = "\n\n" + _("(The full application is shown in the e-service.)")
    if len(text.encode()) <= MAX_SIGNING_TEXT_BYTES:
        return text
    budget = MAX_SIGNING_TEXT_BYTES - len(cut_note.encode())
    cut = text.encode()[:budget].decode(errors="ignore").rsplit("\n", 1)[0]
    return cut + cut_note


def _escape_markdown(text: str) -> str:
    return text.replace("*", "\\*").replace("#", "\\#").replace("+", "\\+").replace("_", "\\_")


def signing_payload(digest_hex: str, draft_id: str, role: str) -> bytes:
    """userNonVisibleData: what is signed, for whom, binding the signature to this document."""
    return json.dumps({"sha256": digest_hex, "application": draft_id, "role": role}, separators=(",", ":")).encode()
