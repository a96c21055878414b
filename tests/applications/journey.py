"""A generic form driver for browser tests: fills every visible field of an application's steps with a valid answer
for its type, looked up in the e-service's YAML definition, and presses "Fortsätt" until the check-answers page.

    driver = FormDriver(page, demo_definition("ansokan-om-bygglov"), tmp_path)
    driver.complete()                      # every step, up to "Kontrollera dina svar innan du skickar in"
    driver.complete(steps=2)               # or only the next two steps

`choices` overrides the default answer of a field (by id), e.g. to pick the option that reveals a conditional
question. With `javascript=False` the driver expects a question revealed by an answer to appear only after
"Fortsätt" (the step comes back with "Dina svar har lett till fler frågor"); with JavaScript it waits for htmx to
show or hide conditional fields on the same step.

Every step is checked with axe-core (`accessibility=False` turns it off): its error state when it is first reached
(pressing "Fortsätt" with nothing answered if the step asks for a required answer and is not already showing
errors), the step as the driver leaves it unless it is that same page with values typed in (it is checked when no
errors were shown, a file was uploaded or an answer showed or hid questions), and a step passed as it was kept in a
resumed draft. Without JavaScript axe runs on a copy of the page in a second page (with JavaScript, but none of the
page's scripts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from core.i18n import LOCAL_TIMEZONE
from forms.definition import Field, FormDefinition, Step, load_definition
from forms.fields import resolve_date_bound
from tests.browser import assert_accessible, assert_accessible_without_javascript

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_FORMS = PROJECT_ROOT / "db" / "demo" / "forms"
DEMO_CATALOGUE = PROJECT_ROOT / "db" / "demo" / "catalogue.yaml"

# Test persons (integrations/population_register/fixture.py).
ERIK = "198112189876"
MARIA = "198503129820"
MARIA_TYPED = "19850312-9820"
ELIAS_TYPED = "20170101-2393"

REVEALED_NOTICE = "Dina svar har lett till fler frågor"
CHECK_HEADING = "Kontrollera dina svar innan du skickar in"
STEP_URL = re.compile(r"/ansokan/[0-9a-f-]{36}/steg/([a-z0-9_]+)")
ADDRESS = {"street": "Storgatan 12", "postal_code": "511 54", "city": "Kinna"}
# Answers compared after a draft is resumed: types whose stored form is what was typed.
KEPT_AS_TYPED = ("text", "textarea", "number", "email", "date", "select", "radio", "yesno", "checkboxes")


# The forms walked in Chromium: together they use every field type, condition, prefill and limit of the format
# (tests/demo/test_demo_forms.py checks that they do). Every demo form is walked to its receipt over HTTP too
# (test_demo_forms_http.py): forty more browser journeys of the same building blocks took ten minutes a run.
BROWSER_JOURNEYS = [
    "ansokan-om-bygglov",
    "ansokan-om-ekonomiskt-bistand",
    "ansokan-om-fardtjanst",
    "ansokan-om-forskoleplats",
    "ansokan-om-skolskjuts",
    "felanmalan-gata-park-och-belysning",
    "ledighet-fran-skolan",
    "parkeringstillstand-for-rorelsehindrade",
    "serveringstillstand",
    "synpunkter-och-klagomal",
]


def demo_slugs() -> list[str]:
    return sorted(path.stem for path in DEMO_FORMS.glob("*.yaml"))


def demo_definition(slug: str) -> FormDefinition:
    return load_definition((DEMO_FORMS / f"{slug}.yaml").read_text(encoding="utf-8"))


def demo_service(slug: str) -> dict[str, Any]:
    """The e-service's entry in the demo catalogue (title and flags such as requires_login)."""
    catalogue = yaml.safe_load(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return next(service for service in catalogue["services"] if service["slug"] == slug)


def make_file(directory: Path, kind: str, stem: str = "bilaga") -> Path:
    """A small valid file of an accepted kind: a real PDF (fpdf2) or a real PNG/JPEG (Pillow)."""
    directory.mkdir(parents=True, exist_ok=True)
    if kind == "pdf":
        path = directory / f"{stem}.pdf"
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.cell(text=f"Testbilaga {stem}")
        pdf.output(str(path))
    elif kind in ("png", "jpg"):
        path = directory / f"{stem}.{kind}"
        Image.new("RGB", (40, 30), (30, 110, 160)).save(path, "PNG" if kind == "png" else "JPEG")
    else:
        raise ValueError(f"the driver makes PDF, PNG and JPEG files, not {kind}")
    return path


def label_pattern(f: Field) -> re.Pattern:
    """A field's label as the page renders it: " (frivilligt)" is added to a field that is not required."""
    optional = not f.required and not f.min_items
    return re.compile("^" + re.escape(f.label) + (" \\(frivilligt\\)" if optional else "") + "$")


def default_answer(f: Field, today: date) -> Any:
    """A valid answer for the field's type, within its limits."""
    if f.type == "text":
        return f"Test {f.id.replace('_', ' ')}"[: f.max_length or 200]
    if f.type == "textarea":
        return "Ett svar i flera rader.\nAndra raden."[: f.max_length or 4000]
    if f.type == "number":
        low, high = f.min if f.min is not None else 0, f.max if f.max is not None else 100
        return str(int(min(max(low + 1, 1), high)))
    if f.type == "email":
        return "erik.andersson@example.se"
    if f.type == "phone":
        return "070-123 45 67"
    if f.type == "personnummer":
        return ELIAS_TYPED  # a child's number: never the applicant's own
    if f.type == "organisationsnummer":
        return "212000-0142"
    if f.type == "date":
        earliest = resolve_date_bound(f.min_date, today) if f.min_date else None
        latest = resolve_date_bound(f.max_date, today) if f.max_date else None
        if earliest and latest:
            chosen = earliest + min(timedelta(days=30), (latest - earliest) / 2)
        elif latest:
            chosen = latest - timedelta(days=7)
        else:
            chosen = (earliest or today) + timedelta(days=30)
        return chosen.isoformat()
    if f.type in ("radio", "select", "yesno"):
        return f.options[0].value
    if f.type == "checkboxes":
        return [f.options[0].value]
    if f.type == "address":
        return ADDRESS
    if f.type == "file":
        return "pdf" if "pdf" in f.accept else "png" if "png" in f.accept else "jpg"
    if f.type == "coapplicants":
        return [MARIA_TYPED] if f.required or f.min_items else []
    return None  # info: nothing to answer


@dataclass
class FormDriver:
    page: Page
    definition: FormDefinition
    files_dir: Path
    choices: dict[str, Any] = field(default_factory=dict)
    javascript: bool = True
    accessibility: bool = True  # axe-core on every step and error state (see the module's docstring)
    answers: dict[str, Any] = field(default_factory=dict)  # every answer given, by field id
    answered: dict[str, list[Field]] = field(default_factory=dict)  # the fields filled, by step id
    revealed_on: list[str] = field(default_factory=list)  # steps that came back with new questions
    uploaded: dict[str, str] = field(default_factory=dict)  # file name uploaded, by field id
    axe_page: Page | None = None  # without JavaScript: where axe-core checks copies of the pages

    # --- where we are ---------------------------------------------------------------------------------------------

    def current_step_id(self) -> str | None:
        match = STEP_URL.search(self.page.url)
        return match.group(1) if match else None

    def current_step(self) -> Step:
        step_id = self.current_step_id()
        step = self.definition.step(step_id) if step_id else None
        assert step is not None, f"not on a step of the form: {self.page.url}"
        return step

    def on_check_page(self) -> bool:
        return self.page.url.split("?")[0].endswith("/granska")

    def block(self, f: Field) -> Locator:
        """The field's wrapper; an empty placeholder with `hidden` while its condition does not hold."""
        return self.page.locator(f"#falt-{f.id}")

    def control(self, f: Field) -> Locator:
        return self.page.get_by_label(label_pattern(f))

    # --- answering --------------------------------------------------------------------------------------------------

    def answer_for(self, f: Field) -> Any:
        return self.choices[f.id] if f.id in self.choices else default_answer(f, datetime.now(LOCAL_TIMEZONE).date())

    def fill_step(self) -> Step:
        step = self.current_step()
        expect(self.page.locator(".caption__step")).to_have_text(re.compile(r"Steg \d+ av \d+"))
        errors_checked = step.id not in self.answered and self.check_error_state(step)
        reshaped = False  # the page changed more than its values: a file listed, questions shown or hidden
        filled = self.answered.setdefault(step.id, [])
        for f in step.fields:
            if not f.takes_input or not self.block(f).is_visible():
                continue
            value = self.answer_for(f)
            self.fill(f, value)
            self.answers[f.id] = value
            if f not in filled:
                filled.append(f)
            reshaped = reshaped or f.type == "file" or any(o.show_if and o.show_if.field == f.id for o in step.fields)
            if self.javascript:
                self.wait_for_conditions(step, f)
        if reshaped or not errors_checked:
            self.check_accessible()
        return step

    def fill(self, f: Field, value: Any) -> None:
        block = self.block(f)
        if f.type in ("radio", "yesno"):
            block.get_by_label(f.option_label(value), exact=True).check()
        elif f.type == "checkboxes":
            for option in f.options:
                block.get_by_label(option.label, exact=True).set_checked(option.value in value)
        elif f.type == "select":
            self.control(f).select_option(value)
        elif f.type == "address":
            if not self.page.locator(f"#{f.id}__street").input_value():  # not prefilled
                for part, text in value.items():
                    self.page.locator(f"#{f.id}__{part}").fill(text)
        elif f.type == "coapplicants":
            for n, number in enumerate(value, start=1):
                self.page.locator(f"#{f.id}__{n}").fill(number)
        elif f.type == "file":
            self.upload(f, make_file(self.files_dir, value, f.id.replace("_", "-")))
        else:
            self.control(f).fill(value)

    def upload(self, f: Field, path: Path) -> None:
        """Choose the file and press "Ladda upp fil"; without JavaScript the button posts the whole step."""
        block = self.block(f)
        if block.locator(".file-list__item").count():
            return  # uploaded before (a resumed draft)
        self.page.locator(f"#{f.id}").set_input_files(path)
        button = block.get_by_role("button", name="Ladda upp fil")
        if self.javascript:
            button.click()
        else:
            with self.page.expect_navigation():
                button.click()
        block = self.block(f)
        expect(block.locator(".file-list__item")).to_contain_text(path.name)
        self.uploaded[f.id] = path.name

    def wait_for_conditions(self, step: Step, changed: Field) -> None:
        """With JavaScript the answer is autosaved and the fields it shows or hides are swapped in (htmx)."""
        for other in step.fields:
            if other.show_if is None or other.show_if.field != changed.id:
                continue
            if other.show_if.holds(self.answers):
                expect(self.block(other)).to_be_visible()
            else:
                expect(self.block(other)).to_be_hidden()

    # --- accessibility ----------------------------------------------------------------------------------------------

    def check_accessible(self) -> None:
        if not self.accessibility:
            return
        if self.javascript:
            assert_accessible(self.page)
        else:
            if self.axe_page is None:  # one for the whole journey, closed with the journey's page
                self.axe_page = self.page.context.browser.new_page()
                self.page.once("close", lambda _page: self.axe_page.close())
            assert_accessible_without_javascript(self.page, self.axe_page)

    def asks_for_answer(self, f: Field) -> bool:
        return f.takes_input and bool(f.required or f.min_items) and self.block(f).is_visible()

    def check_error_state(self, step: Step) -> bool:
        """axe on the step's errors: those on the page already, or those of "Fortsätt" with nothing answered. False
        when the step has no errors to show."""
        if not self.accessibility:
            return False
        if not self.page.locator(".error-summary").count():
            if not any(self.asks_for_answer(f) for f in step.fields):
                return False
            url = self.page.url
            self.press_continue()
            if self.current_step_id() != step.id:  # nothing to refuse: the answers were filled in from the account
                self.page.goto(url)
                return False
            expect(self.page.get_by_role("alert").filter(has_text="Det finns ett problem")).to_be_visible()
        self.check_accessible()
        return True

    # --- moving on --------------------------------------------------------------------------------------------------

    def press_continue(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Fortsätt", exact=True).click()

    def complete(self, steps: int | None = None, refill: bool = True) -> None:
        """Fill and continue, `steps` steps or until the check-answers page. With `refill=False` the steps answered
        before (a resumed draft) are passed with "Fortsätt" as they are: the kept answers must still be accepted."""
        done = 0
        for _attempt in range(30):
            if self.on_check_page() or (steps is not None and done >= steps):
                break
            if not refill and self.current_step_id() in self.answered:
                step = self.current_step()
                self.check_accessible()  # the answers kept in the draft
            else:
                step = self.fill_step()
            self.press_continue()
            if self.current_step_id() != step.id:
                done += 1
                continue
            summary = self.page.locator(".error-summary")
            if summary.count():
                raise AssertionError(f"step {step.id!r} was refused:\n{summary.inner_text()}")
            # The step came back: an answer revealed more questions (only without JavaScript).
            expect(self.page.get_by_role("status").filter(has_text=REVEALED_NOTICE)).to_be_visible()
            self.revealed_on.append(step.id)
        else:
            raise AssertionError(f"the form did not end: still on {self.page.url}")
        if steps is None:
            expect(self.page.get_by_role("heading", level=1)).to_have_text(CHECK_HEADING)

    # --- checking ---------------------------------------------------------------------------------------------------

    def expect_answers_kept(self, step_id: str) -> None:
        """The step shows what the driver answered before (a resumed draft)."""
        assert self.current_step_id() == step_id
        for f in self.answered[step_id]:
            value, block = self.answers[f.id], self.block(f)
            if f.type not in KEPT_AS_TYPED:
                continue
            if f.type in ("radio", "yesno"):
                expect(block.get_by_label(f.option_label(value), exact=True)).to_be_checked()
            elif f.type == "checkboxes":
                for option in f.options:
                    box = block.get_by_label(option.label, exact=True)
                    expect(box).to_be_checked(checked=option.value in value)
            else:
                expect(self.control(f)).to_have_value(value)
