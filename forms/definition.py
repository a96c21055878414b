"""The form definition format: an e-service's form as steps of fields, written in YAML and stored with the
e-service in versions. `load_definition` parses and checks a definition; a bad one is refused with a message that
names the step and the field. The format is documented in forms/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from core.i18n import gettext as _

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "email",
    "phone",
    "personnummer",
    "organisationsnummer",
    "date",
    "radio",
    "checkboxes",
    "select",
    "yesno",
    "address",
    "file",
    "info",
    "coapplicants",
)
CHOICE_TYPES = ("radio", "checkboxes", "select")
FILE_KINDS = ("pdf", "jpg", "png", "heic", "docx", "xlsx", "odt", "txt")
PREFILLS = ("name", "email", "phone", "address", "personnummer")
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 4000}
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DATE_BOUND = re.compile(r"^(today|[+-]\d{1,4}[dmy]|\d{4}-\d{2}-\d{2})$")
YES, NO = "ja", "nej"


class DefinitionError(ValueError):
    """A definition that cannot be used; the message says where (step and field) and what is wrong."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show a step or field only when another field's answer matches: `equals` one value, is `any_of` several
    (for checkboxes: any of them is ticked), or `filled` (has any answer)."""

    field: str
    equals: str | None = None
    any_of: tuple[str, ...] = ()
    filled: bool | None = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.field)
        given = set(answer) if isinstance(answer, list) else ({answer} if answer not in (None, "") else set())
        if self.equals is not None:
            return self.equals in given
        if self.any_of:
            return bool(given & set(self.any_of))
        if self.filled is not None:
            return bool(given) == self.filled
        return True


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str = ""
    hint: str = ""
    required: bool = False
    show_if: Condition | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str = ""
    min_date: str | None = None
    max_date: str | None = None
    min_items: int = 0
    max_items: int | None = None
    max_files: int = 5
    max_size_mb: float = 10.0
    accept: tuple[str, ...] = ("pdf", "jpg", "png")
    text: str = ""
    prefill: str | None = None

    @property
    def takes_input(self) -> bool:
        return self.type != "info"

    @property
    def answer_required(self) -> bool:
        """The step cannot be completed without an answer (at least one item, where there is a minimum)."""
        return self.required or self.min_items > 0

    @property
    def length_limit(self) -> int | None:
        """The most characters a text or textarea answer may have (None for other types); the page states it."""
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type)

    def option_label(self, value: str) -> str:
        return next((option.label for option in self.options if option.value == value), value)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    show_if: Condition | None = None


@dataclass(frozen=True)
class FormDefinition:
    steps: tuple[Step, ...]
    _fields: Mapping[str, Field] = field(default_factory=dict, repr=False, compare=False)

    def field(self, field_id: str) -> Field:
        return self._fields[field_id]

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def _visible(self, answers: Mapping[str, Any]) -> tuple[list[Step], set[str]]:
        """Steps and fields shown, in form order. A condition sees only the answers of fields that are themselves
        shown, so a chain of conditions hides everything after a hidden link."""
        shown_answers: dict[str, Any] = {}
        steps, fields = [], set()
        for step in self.steps:
            if step.show_if is not None and not step.show_if.holds(shown_answers):
                continue
            steps.append(step)
            for f in step.fields:
                if f.show_if is None or f.show_if.holds(shown_answers):
                    fields.add(f.id)
                    if f.id in answers:
                        shown_answers[f.id] = answers[f.id]
        return steps, fields

    def visible_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        return self._visible(answers)[0]

    def visible_fields(self, step: Step, answers: Mapping[str, Any]) -> list[Field]:
        shown = self._visible(answers)[1]
        return [f for f in step.fields if f.id in shown]

    def visible_files(self, files: Mapping[str, list], answers: Mapping[str, Any]) -> dict[str, list]:
        """Only the files of file fields the user can see: a file uploaded before its question was hidden (a
        medical certificate that is no longer asked for, say) is not sent."""
        _steps, shown = self._visible(answers)
        return {field_id: items for field_id, items in files.items() if field_id in shown}

    def visible_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Only what the user can see counts: answers to hidden steps and fields are dropped."""
        _steps, shown = self._visible(answers)
        return {
            f.id: answers[f.id]
            for step in self.steps
            for f in step.fields
            if f.id in shown and f.takes_input and f.id in answers
        }

    @property
    def has_coapplicants(self) -> bool:
        return any(f.type == "coapplicants" for step in self.steps for f in step.fields)

    @property
    def file_fields(self) -> list[Field]:
        return [f for step in self.steps for f in step.fields if f.type == "file"]


def load_definition(source: str | Mapping[str, Any]) -> FormDefinition:
    """Parse and check a definition (YAML text or an already parsed mapping)."""
    try:
        raw = yaml.safe_load(source) if isinstance(source, str) else source
    except yaml.YAMLError as error:
        raise DefinitionError(_("The form definition is not valid YAML: %(error)s") % {"error": error}) from None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("steps"), list) or not raw["steps"]:
        raise DefinitionError(_("The form definition needs a list of steps."))
    _only_keys(raw, {"steps"}, _("the form"))
    steps = tuple(_step(raw_step, number) for number, raw_step in enumerate(raw["steps"], start=1))
    fields: dict[str, Field] = {}
    for step in steps:
        for f in step.fields:
            if f.id in fields:
                raise DefinitionError(_where(step.id, f.id) + _("the field id is used twice."))
            fields[f.id] = f
    seen_steps: set[str] = set()
    for step in steps:
        if step.id in seen_steps:
            raise DefinitionError(_where(step.id) + _("the step id is used twice."))
        seen_steps.add(step.id)
    definition = FormDefinition(steps=steps, _fields=fields)
    _check_conditions(definition)
    return definition


def _where(step_id: str, field_id: str | None = None) -> str:
    if field_id is None:
        return _("Step “%(step)s”: ") % {"step": step_id}
    return _("Step “%(step)s”, field “%(field)s”: ") % {"step": step_id, "field": field_id}


def _only_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise DefinitionError(
            _("Unknown setting in %(where)s: %(keys)s") % {"where": where, "keys": ", ".join(unknown)}
        )


STEP_KEYS = {"id", "title", "description", "fields", "show_if"}
COMMON_KEYS = {"id", "type", "label", "hint", "required", "show_if"}
TYPE_KEYS = {
    "text": {"max_length", "prefill"},
    "textarea": {"max_length"},
    "number": {"min", "max", "integer", "unit"},
    "email": {"prefill"},
    "phone": {"prefill"},
    "personnummer": {"prefill"},
    "organisationsnummer": set(),
    "date": {"min_date", "max_date"},
    "radio": {"options"},
    "select": {"options"},
    "checkboxes": {"options", "min_items", "max_items"},
    "yesno": set(),
    "address": {"prefill"},
    "file": {"max_files", "max_size_mb", "accept"},
    "info": {"text"},
    "coapplicants": {"min_items", "max_items"},
}
PREFILL_FOR_TYPE = {
    "text": {"name"},
    "email": {"email"},
    "phone": {"phone"},
    "personnummer": {"personnummer"},
    "address": {"address"},
}
SETTING_TYPES = {
    "label": str,
    "hint": str,
    "text": str,
    "unit": str,
    "prefill": str,
    "required": bool,
    "integer": bool,
    "max_length": int,
    "min_items": int,
    "max_items": int,
    "max_files": int,
    "min": (int, float),
    "max": (int, float),
    "max_size_mb": (int, float),
}
FIELD_KEYS = {f.name for f in Field.__dataclass_fields__.values()} | {"options"}


def _step(raw: Any, number: int) -> Step:
    if not isinstance(raw, Mapping):
        raise DefinitionError(_("Step %(number)d is not a mapping.") % {"number": number})
    step_id = str(raw.get("id", f"#{number}"))
    if not IDENTIFIER.match(step_id):
        raise DefinitionError(_where(step_id) + _("ids are lower-case letters, digits and _, starting with a letter."))
    _only_keys(raw, STEP_KEYS, _where(step_id).rstrip(": "))
    if not str(raw.get("title", "")).strip():
        raise DefinitionError(_where(step_id) + _("a title is required."))
    raw_fields = raw.get("fields") or []
    if not isinstance(raw_fields, list) or not raw_fields:
        raise DefinitionError(_where(step_id) + _("a step needs at least one field."))
    return Step(
        id=step_id,
        title=str(raw["title"]).strip(),
        description=str(raw.get("description", "")).strip(),
        fields=tuple(_field(step_id, raw_field, n) for n, raw_field in enumerate(raw_fields, start=1)),
        show_if=_condition(raw.get("show_if"), _where(step_id)),
    )


def _field(step_id: str, raw: Any, number: int) -> Field:
    if not isinstance(raw, Mapping):
        raise DefinitionError(_where(step_id) + _("field %(number)d is not a mapping.") % {"number": number})
    field_id = str(raw.get("id", f"#{number}"))
    where = _where(step_id, field_id)
    if not IDENTIFIER.match(field_id):
        raise DefinitionError(where + _("ids are lower-case letters, digits and _, starting with a letter."))
    _only_keys(raw, FIELD_KEYS, where.rstrip(": "))
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        raise DefinitionError(
            where
            + _("unknown field type “%(type)s” (known: %(types)s).") % {"type": kind, "types": ", ".join(FIELD_TYPES)}
        )
    misplaced = sorted(set(raw) - COMMON_KEYS - TYPE_KEYS.get(kind, set()))
    if misplaced:
        raise DefinitionError(
            where + _("not a setting of a %(type)s field: %(keys)s") % {"type": kind, "keys": ", ".join(misplaced)}
        )
    values = {key: value for key, value in raw.items() if key not in ("options", "show_if", "accept")}
    for key in ("min_date", "max_date"):
        if key in values and values[key] is not None:
            values[key] = str(values[key])  # YAML reads 2027-01-31 as a date
    _check_types(values, where)
    try:
        built = Field(
            **values,
            options=_options(raw.get("options"), kind, where),
            show_if=_condition(raw.get("show_if"), where),
            accept=tuple(raw.get("accept", Field.accept)),
        )
    except TypeError as error:
        raise DefinitionError(where + str(error)) from None
    _check_field(built, where)
    return built


def _options(raw: Any, kind: str, where: str) -> tuple[Option, ...]:
    if kind == "yesno":
        return (Option(YES, "Ja"), Option(NO, "Nej"))
    if kind not in CHOICE_TYPES:
        if raw:
            raise DefinitionError(where + _("only radio, checkboxes and select have options."))
        return ()
    if not isinstance(raw, list) or len(raw) < 1:
        raise DefinitionError(where + _("a choice needs a list of options."))
    options = []
    for item in raw:
        if isinstance(item, Mapping) and set(item) == {"value", "label"}:
            options.append(Option(str(item["value"]), str(item["label"])))
        elif isinstance(item, str):
            options.append(Option(item, item))
        else:
            raise DefinitionError(
                where
                + _("each option is a text, or has a value and a label and nothing else (quote labels with commas).")
            )
    if len({option.value for option in options}) != len(options):
        raise DefinitionError(where + _("two options have the same value."))
    return tuple(options)


def _condition(raw: Any, where: str) -> Condition | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "field" not in raw:
        raise DefinitionError(where + _("show_if needs a field and one of equals, any_of or filled."))
    _only_keys(raw, {"field", "equals", "any_of", "filled"}, where.rstrip(": ") + " (show_if)")
    tests = [key for key in ("equals", "any_of", "filled") if key in raw]
    if len(tests) != 1:
        raise DefinitionError(where + _("show_if needs exactly one of equals, any_of or filled."))
    if "filled" in raw and not isinstance(raw["filled"], bool):
        raise DefinitionError(where + _("filled is true or false."))
    if "any_of" in raw and not isinstance(raw["any_of"], list):
        raise DefinitionError(where + _("any_of is a list of values."))
    return Condition(
        field=str(raw["field"]),
        equals=str(raw["equals"]) if "equals" in raw else None,
        any_of=tuple(str(value) for value in raw.get("any_of", ())),
        filled=bool(raw["filled"]) if "filled" in raw else None,
    )


def _check_types(values: Mapping[str, Any], where: str) -> None:
    for key, expected in SETTING_TYPES.items():
        value = values.get(key)
        if value is None:
            continue
        wrong_bool = expected is not bool and isinstance(value, bool)
        if not isinstance(value, expected) or wrong_bool:
            raise DefinitionError(
                where + _("%(key)s has a value of the wrong kind: %(value)s") % {"key": key, "value": value}
            )


def _check_field(f: Field, where: str) -> None:
    if f.type != "info" and not f.label.strip():
        raise DefinitionError(where + _("a label is required."))
    if f.label.rstrip().lower().endswith("(frivilligt)"):
        raise DefinitionError(where + _("do not write (frivilligt) in the label: fields that are not required get it."))
    if f.type == "info" and not f.text.strip():
        raise DefinitionError(where + _("an information text needs a text."))
    if f.type == "info" and f.required:
        raise DefinitionError(where + _("an information text takes no answer, so it cannot be required."))
    if f.max_length is not None and f.max_length < 1:
        raise DefinitionError(where + _("max_length must be at least 1."))
    if f.min is not None and f.max is not None and f.min > f.max:
        raise DefinitionError(where + _("min is greater than max."))
    for bound in (f.min_date, f.max_date):
        if bound is not None and not DATE_BOUND.match(str(bound)):
            raise DefinitionError(where + _("a date limit is today, +30d, -18y or a date like 2027-01-31."))
    if f.type == "file":
        unknown = sorted(set(f.accept) - set(FILE_KINDS))
        if unknown or not f.accept:
            raise DefinitionError(
                where + _("accept lists file kinds from: %(kinds)s.") % {"kinds": ", ".join(FILE_KINDS)}
            )
        if not 1 <= f.max_files <= 20 or not 0 < f.max_size_mb <= 50:
            raise DefinitionError(where + _("max_files is 1–20 and max_size_mb at most 50."))
    if f.max_items is not None and f.max_items < max(1, f.min_items):
        raise DefinitionError(where + _("max_items must be at least 1 and not below min_items."))
    if f.prefill is not None and f.prefill not in PREFILL_FOR_TYPE.get(f.type, set()):
        allowed = ", ".join(sorted(PREFILL_FOR_TYPE.get(f.type, set()))) or "-"
        raise DefinitionError(where + _("prefill of this field type is one of: %(names)s.") % {"names": allowed})


def _check_conditions(definition: FormDefinition) -> None:
    seen: set[str] = set()
    for step in definition.steps:
        if step.show_if is not None:
            _check_condition_target(definition, step.show_if, seen, _where(step.id))
        for f in step.fields:
            if f.show_if is not None:
                _check_condition_target(definition, f.show_if, seen, _where(step.id, f.id))
            seen.add(f.id)


def _check_condition_target(definition: FormDefinition, condition: Condition, earlier: set[str], where: str) -> None:
    """A condition may only look at a field that comes before it (no cycles, and the answer exists by then)."""
    if condition.field not in earlier:
        raise DefinitionError(
            where
            + _("show_if refers to “%(field)s”, which is not a field before this one.") % {"field": condition.field}
        )
    target = definition.field(condition.field)
    values = [condition.equals] if condition.equals is not None else list(condition.any_of)
    known = {option.value for option in target.options}
    if target.options and any(value not in known for value in values):
        raise DefinitionError(
            where + _("show_if names a value that “%(field)s” does not offer.") % {"field": target.id}
        )
