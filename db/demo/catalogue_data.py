"""Reads and validates the catalogue demo data (`catalogue.yaml`) without touching the database.

Every problem is reported as a `DemoDataError` whose message names the entry at fault, so a mistake in the YAML is
found before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from core.nouns import NOUNS

CATALOGUE_YAML = Path(__file__).with_name("catalogue.yaml")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PDF_FILENAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.pdf$")
EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
PHONE = re.compile(r"^0\d{1,3}-\d{2,3}(?: \d{2}){1,3}$")
RAW_HTML = re.compile(r"<[A-Za-z!/]")
MAX_START_COUNT = 1_000_000
# Flags that only make sense for a logged-in user: drafts, Mina sidor, signatures.
LOGIN_ONLY_FLAGS = ("requires_signing", "allows_drafts", "allows_supplement", "allows_messages", "allows_coapplicants")
OFFSET_UNITS = ("days", "hours", "minutes")


class DemoDataError(ValueError):
    """The demo data is invalid; the message names the entry at fault."""


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name: str
    description: str
    sort_order: int


@dataclass(frozen=True)
class FormSection:
    heading: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DocumentData:
    """A blankett: the text its PDF is built from."""

    title: str
    filename: str
    heading: str
    instructions: str
    sections: tuple[FormSection, ...]
    signature: bool
    send_to: str
    service_title: str


@dataclass(frozen=True)
class ServiceData:
    slug: str
    title: str
    category: str
    summary: str
    description: str
    before_you_start: str
    processing_time: str
    noun: str
    keywords: str
    contact_name: str
    contact_title: str
    contact_email: str
    contact_phone: str
    requires_login: bool
    requires_signing: bool
    allows_drafts: bool
    allows_supplement: bool
    allows_messages: bool
    allows_coapplicants: bool
    retention_days_closed: int | None
    retention_days_draft: int | None
    start_count: int
    published: bool
    documents: tuple[DocumentData, ...]

    def columns(self) -> dict[str, Any]:
        """The EService column values, except the category (an id in the database) and updated_at."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("category", "documents")}


@dataclass(frozen=True)
class NoticeData:
    """Driftinformation; `starts_after` and `ends_after` are offsets from the start of the loading day."""

    title: str
    body: str
    starts_after: timedelta
    ends_after: timedelta | None
    level: str = "info"  # or "warning"


@dataclass(frozen=True)
class CatalogueData:
    categories: tuple[CategoryData, ...]
    services: tuple[ServiceData, ...]
    notices: tuple[NoticeData, ...]


class _Entry:
    """One mapping from the YAML with typed, validated access to its keys; errors name the entry."""

    def __init__(self, raw: Any, label: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise DemoDataError(f"{label}: expected a mapping, got {type(raw).__name__}.")
        unknown = sorted(str(key) for key in raw if key not in allowed)
        if unknown:
            raise DemoDataError(f"{label}: unknown key(s) {', '.join(unknown)}.")
        self.raw = raw
        self.label = label

    def error(self, message: str) -> DemoDataError:
        return DemoDataError(f"{self.label}: {message}")

    def text(self, key: str, *, max_length: int | None = None, markdown: bool = False) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"'{key}' must be a non-empty string.")
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            raise self.error(f"'{key}' is {len(value)} characters long; at most {max_length} fit.")
        if markdown and RAW_HTML.search(value):
            raise self.error(f"'{key}' contains raw HTML; write Markdown only.")
        return value

    def pattern(self, key: str, pattern: re.Pattern[str], *, max_length: int, what: str) -> str:
        value = self.text(key, max_length=max_length)
        if not pattern.match(value):
            raise self.error(f"'{key}' {value!r} is not {what} (must match {pattern.pattern}).")
        return value

    def boolean(self, key: str, *, default: bool | None = None) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be true or false.")
        return value

    def integer(self, key: str, *, minimum: int, maximum: int) -> int:
        value = self.raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.error(f"'{key}' must be a whole number from {minimum} to {maximum}.")
        return value

    def optional_integer(self, key: str, *, minimum: int, maximum: int) -> int | None:
        """A whole number, or None when the key is missing or null."""
        return None if self.raw.get(key) is None else self.integer(key, minimum=minimum, maximum=maximum)

    def items(self, key: str, *, required: bool = True) -> list[Any]:
        value = self.raw.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.error(f"'{key}' must be a non-empty list.")
        return value

    def offset(self, key: str) -> timedelta:
        """A mapping of days, hours and minutes (each may be negative) as a timedelta."""
        value = self.raw.get(key)
        offset = _Entry(value, f"{self.label}, '{key}'", set(OFFSET_UNITS))
        if not value:
            raise self.error(f"'{key}' needs at least one of {', '.join(OFFSET_UNITS)}.")
        return timedelta(
            **{unit: offset.integer(unit, minimum=-10_000, maximum=10_000) for unit in OFFSET_UNITS if unit in value}
        )

    def optional_offset(self, key: str) -> timedelta | None:
        return None if self.raw.get(key) is None else self.offset(key)


def read_catalogue(path: Path = CATALOGUE_YAML) -> CatalogueData:
    """Read and validate the catalogue demo data file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DemoDataError(f"{path.name}: not valid YAML: {error}") from error
    return parse_catalogue(raw)


def parse_catalogue(raw: Any) -> CatalogueData:
    """Validate already parsed YAML (a mapping with categories, services and notices)."""
    top = _Entry(raw, "catalogue data", {"categories", "services", "notices"})
    categories = tuple(_category(item, position) for position, item in enumerate(top.items("categories"), 1))
    _reject_duplicates("category", [c.slug for c in categories])
    category_slugs = {c.slug for c in categories}
    services = tuple(_service(item, position, category_slugs) for position, item in enumerate(top.items("services"), 1))
    _reject_duplicates("e-service", [s.slug for s in services])
    _reject_duplicates("e-service title", [s.title for s in services])
    notices = tuple(_notice(item, position) for position, item in enumerate(top.items("notices", required=False), 1))
    _reject_duplicates("notice", [n.title for n in notices])
    return CatalogueData(categories, services, notices)


def _reject_duplicates(kind: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise DemoDataError(f"{kind} {key!r}: appears more than once.")
        seen.add(key)


def _category(raw: Any, position: int) -> CategoryData:
    slug = raw.get("slug") if isinstance(raw, dict) else None
    entry = _Entry(raw, f"category {slug or f'#{position}'!r}", {"slug", "name", "description", "sort_order"})
    return CategoryData(
        slug=entry.pattern("slug", SLUG, max_length=80, what="a slug"),
        name=entry.text("name", max_length=120),
        description=entry.text("description"),
        sort_order=entry.integer("sort_order", minimum=-10_000, maximum=10_000),
    )


SERVICE_KEYS = {f.name for f in fields(ServiceData)}


def _service(raw: Any, position: int, category_slugs: set[str]) -> ServiceData:
    slug = raw.get("slug") if isinstance(raw, dict) else None
    entry = _Entry(raw, f"e-service {slug or f'#{position}'!r}", SERVICE_KEYS)
    title = entry.text("title", max_length=200)
    category = entry.text("category")
    if category not in category_slugs:
        raise entry.error(f"unknown category {category!r}.")
    flags = {name: entry.boolean(name) for name in ("requires_login", *LOGIN_ONLY_FLAGS)}
    if not flags["requires_login"]:
        wrong = [name for name in LOGIN_ONLY_FLAGS if flags[name]]
        if wrong:
            raise entry.error(f"without login it cannot have {', '.join(wrong)}.")
    if flags["allows_coapplicants"] and not flags["requires_signing"]:
        raise entry.error("co-applicants sign the application, so allows_coapplicants needs requires_signing.")
    documents = tuple(
        _document(item, number, entry.label, title)
        for number, item in enumerate(entry.items("documents", required=False), 1)
    )
    _reject_duplicates(f"{entry.label}: document file", [d.filename for d in documents])
    return ServiceData(
        slug=entry.pattern("slug", SLUG, max_length=120, what="a slug"),
        title=title,
        category=category,
        summary=entry.text("summary"),
        description=entry.text("description", markdown=True),
        before_you_start=entry.text("before_you_start", markdown=True),
        processing_time=entry.text("processing_time", max_length=200),
        noun=_noun(entry),
        keywords=entry.text("keywords"),
        contact_name=entry.text("contact_name", max_length=120),
        contact_title=entry.text("contact_title", max_length=120),
        contact_email=entry.pattern("contact_email", EMAIL, max_length=200, what="an e-mail address"),
        contact_phone=entry.pattern("contact_phone", PHONE, max_length=40, what="a phone number like 0320-21 71 00"),
        retention_days_closed=entry.optional_integer("retention_days_closed", minimum=1, maximum=36_500),
        retention_days_draft=entry.optional_integer("retention_days_draft", minimum=1, maximum=36_500),
        start_count=entry.integer("start_count", minimum=0, maximum=MAX_START_COUNT),
        published=entry.boolean("published"),
        documents=documents,
        **flags,
    )


def _noun(entry: _Entry) -> str:
    """What a resident sends in: one of the nouns the platform has sentences for (core.nouns)."""
    value = entry.text("noun", max_length=40)
    if value not in NOUNS:
        raise entry.error(f"unknown noun {value!r}; supported: {', '.join(NOUNS)}.")
    return value


def _document(raw: Any, number: int, service_label: str, service_title: str) -> DocumentData:
    filename = raw.get("filename") if isinstance(raw, dict) else None
    entry = _Entry(
        raw,
        f"{service_label}, document {filename or f'#{number}'!r}",
        {"title", "filename", "heading", "instructions", "sections", "signature", "send_to"},
    )
    sections = []
    for index, item in enumerate(entry.items("sections"), 1):
        section = _Entry(item, f"{entry.label}, section #{index}", {"heading", "fields"})
        labels = section.items("fields")
        if not all(isinstance(label, str) and label.strip() for label in labels):
            raise section.error("'fields' must be a list of non-empty strings.")
        sections.append(FormSection(section.text("heading"), tuple(label.strip() for label in labels)))
    return DocumentData(
        title=entry.text("title", max_length=200),
        filename=entry.pattern("filename", PDF_FILENAME, max_length=200, what="a lower-case ASCII .pdf file name"),
        heading=entry.text("heading"),
        instructions=entry.text("instructions"),
        sections=tuple(sections),
        signature=entry.boolean("signature", default=True),
        send_to=entry.text("send_to"),
        service_title=service_title,
    )


def _notice(raw: Any, position: int) -> NoticeData:
    title = raw.get("title") if isinstance(raw, dict) else None
    entry = _Entry(raw, f"notice {title or f'#{position}'!r}", {"title", "body", "starts_at", "ends_at", "level"})
    starts_after = entry.offset("starts_at")
    ends_after = entry.optional_offset("ends_at")
    if ends_after is not None and ends_after <= starts_after:
        raise entry.error("'ends_at' must be later than 'starts_at'.")
    level = raw.get("level", "info")
    if level not in ("info", "warning"):
        raise entry.error("'level' must be info or warning.")
    return NoticeData(
        title=entry.text("title", max_length=200),
        body=entry.text("body", markdown=True),
        starts_after=starts_after,
        ends_after=ends_after,
        level=level,
    )
