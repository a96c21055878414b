"""The citizen-facing catalogue as an immutable in-memory index, rebuilt when the catalogue changes.

Every request for the start page, the catalogue, a search or an e-service page is answered from here without a
database query. Processes notice changes made elsewhere through the catalogue's CacheStamp (checked at most every
`refresh_seconds`), and rebuild at least every `MAX_AGE_SECONDS` so that popularity counts stay fresh.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import logging
import re
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from markupsafe import Markup

from core.markdown import render_markdown
from core.text import normalise
from db import catalogue
from db.catalogue import CATALOGUE_STAMP
from db.engine import is_unavailable

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 600
# A refresh that takes longer than this counts as a database out of reach.
REFRESH_TIMEOUT_SECONDS = 3
RENDERED_CACHE_SIZE = 1024
POPULAR_COUNT = 6
MAX_QUERY_LENGTH = 200
# Search weights: a word matched in the title outranks any number of keyword or summary matches.
TITLE_WEIGHT, KEYWORD_WEIGHT, SUMMARY_WEIGHT = 1000, 30, 10
# A query word found inside a longer word (Swedish compounds: "tillstånd" in "serveringstillstånd") counts less.
INFIX_FACTOR, MIN_INFIX_LENGTH = 0.5, 4

_WORD = re.compile(r"[^\W_]+")
_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}"})


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def swedish_sort_key(text: str) -> str:
    """Orders å, ä, ö after z as the Swedish alphabet does."""
    return normalise(text.casefold().translate(_SWEDISH_ORDER))


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    slug: str
    name: str
    description: str
    service_count: int

    @property
    def url(self) -> str:
        return f"/e-tjanster?kategori={self.slug}"


@dataclass(frozen=True, slots=True)
class DocumentView:
    title: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class EServiceView:
    id: int
    slug: str
    title: str
    summary: str
    description_html: Markup
    before_you_start_html: Markup
    processing_time: str
    noun: str  # what a resident sends in (core.nouns): sentences naming it are translated for it
    category: CategoryView
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
    cosign_days: int | None
    documents: tuple[DocumentView, ...]
    start_count: int
    has_form: bool  # False: it cannot be filled in online; its page says how to apply instead

    @property
    def url(self) -> str:
        return f"/e-tjanster/{self.slug}"


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    title: str
    body_html: Markup
    level: str  # "info" or "warning"
    e_service_id: int | None  # None: a global notice
    closed_for_new: bool  # no new applications in its scope while it is shown
    starts_at: datetime
    ends_at: datetime | None

    def shown_at(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


# The e-service's columns that its view takes as they are (the others are computed in load_index).
_COPIED_COLUMNS = tuple(
    f.name
    for f in fields(EServiceView)
    if f.name not in ("description_html", "before_you_start_html", "category", "documents", "has_form")
)


class CatalogueIndex:
    def __init__(
        self,
        version: int,
        categories: Iterable[CategoryView],
        services: Iterable[EServiceView],
        keywords: dict[int, str],
        notices: Iterable[NoticeView],
    ) -> None:
        self.version = version
        self.built_at = time.monotonic()
        self.services = tuple(sorted(services, key=lambda s: swedish_sort_key(s.title)))
        self.categories = tuple(categories)
        self.notices = tuple(sorted(notices, key=lambda n: (n.level != "warning", -n.starts_at.timestamp(), -n.id)))
        self._category_by_slug = {c.slug: c for c in self.categories}
        self._service_by_slug = {s.slug: s for s in self.services}
        self._service_by_id = {s.id: s for s in self.services}
        self.popular = tuple(sorted(self.services, key=lambda s: -s.start_count)[:POPULAR_COUNT])
        # postings[word] = {service position: best weight of a field containing the word}
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        for position, service in enumerate(self.services):
            for weight, text in (
                (SUMMARY_WEIGHT, service.summary),
                (KEYWORD_WEIGHT, keywords.get(service.id, "")),
                (TITLE_WEIGHT, service.title),
            ):
                for word in words(text):
                    if postings[word].get(position, 0) < weight:
                        postings[word][position] = weight
        self._words = sorted(postings)
        self._postings = dict(postings)
        # Per index, so a replaced index takes its cached results with it.
        self._search = functools.lru_cache(maxsize=1024)(self._search_uncached)
        self._rendered: OrderedDict[Hashable, Markup] = OrderedDict()

    def category(self, slug: str) -> CategoryView | None:
        return self._category_by_slug.get(slug)

    def service(self, slug: str) -> EServiceView | None:
        return self._service_by_slug.get(slug)

    def rendered(self, key: Hashable, render: Callable[[], Markup]) -> Markup:
        """HTML rendered from this index alone (a result list), remembered for the index's lifetime."""
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = render()
            if len(self._rendered) > RENDERED_CACHE_SIZE:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(key)
        return html

    def service_by_id(self, service_id: int) -> EServiceView | None:
        return self._service_by_id.get(service_id)

    # Notices are chosen by their time window at every request (`at`: clock.now()), so a notice appears and goes at
    # its times whatever the index's age. Warnings come first, then the newest.

    def active_notices(self, at: datetime) -> list[NoticeView]:
        """The global notices shown now (the start page and the catalogue)."""
        return [n for n in self.notices if n.e_service_id is None and n.shown_at(at)]

    def service_notices(self, service_id: int, at: datetime) -> list[NoticeView]:
        """The notices an e-service's page and its start show now: the global ones and its own."""
        return [n for n in self.notices if n.e_service_id in (None, service_id) and n.shown_at(at)]

    def closed_by(self, service_id: int, at: datetime) -> NoticeView | None:
        """The notice that closes the e-service for new applications now, if one does."""
        return next((n for n in self.service_notices(service_id, at) if n.closed_for_new), None)

    def closed_ids(self, at: datetime) -> frozenset[int]:
        """The e-services that could be started online but are closed for new applications now (all of them under a
        global closing notice)."""
        shown = [n for n in self.notices if n.closed_for_new and n.shown_at(at)]
        if not shown:
            return frozenset()
        closed = {n.e_service_id for n in shown}
        return frozenset(s.id for s in self.services if s.has_form and (None in closed or s.id in closed))

    def search(self, query: str, category_slug: str | None = None) -> tuple[EServiceView, ...]:
        """Services matching every word of `query` (by word prefix, or inside a word), best first."""
        terms = tuple(dict.fromkeys(words(query[:MAX_QUERY_LENGTH])))
        return self._search(terms, category_slug or None)

    def _search_uncached(self, terms: tuple[str, ...], category_slug: str | None) -> tuple[EServiceView, ...]:
        if terms:
            scores = self._score(terms)
            positions = sorted(scores, key=lambda p: (-scores[p], p))
        else:
            positions = range(len(self.services))
        found = (self.services[p] for p in positions)
        if category_slug is not None:
            found = (s for s in found if s.category.slug == category_slug)
        return tuple(found)

    def _score(self, terms: tuple[str, ...]) -> dict[int, float]:
        scores: dict[int, float] | None = None
        for term in terms:
            term_scores: dict[int, float] = {}
            for word, factor in self._matching_words(term):
                for position, weight in self._postings[word].items():
                    if term_scores.get(position, 0) < weight * factor:
                        term_scores[position] = weight * factor
            if scores is None:
                scores = term_scores
            else:
                scores = {p: s + term_scores[p] for p, s in scores.items() if p in term_scores}
            if not scores:
                return {}
        return scores or {}

    def _matching_words(self, term: str) -> Iterable[tuple[str, float]]:
        start = bisect.bisect_left(self._words, term)
        end = start
        while end < len(self._words) and self._words[end].startswith(term):
            yield self._words[end], 1.0
            end += 1
        if len(term) >= MIN_INFIX_LENGTH:
            for word in self._words:
                if term in word and not word.startswith(term):
                    yield word, INFIX_FACTOR


async def load_index(version: int) -> CatalogueIndex:
    category_rows, service_rows, document_rows, notice_rows, with_form = await catalogue.index_rows()
    counts: dict[int, int] = defaultdict(int)
    for row in service_rows:
        counts[row["category"]] += 1
    categories = {
        row["id"]: CategoryView(row["id"], row["slug"], row["name"], row["description"], counts[row["id"]])
        for row in category_rows
    }
    documents: dict[int, list[DocumentView]] = defaultdict(list)
    for row in document_rows:
        documents[row["e_service"]].append(
            DocumentView(row["title"], row["filename"], row["content_type"], int(row["size"]))
        )
    services = [
        EServiceView(
            **{name: row[name] for name in _COPIED_COLUMNS},
            description_html=render_markdown(row["description"]),
            before_you_start_html=render_markdown(row["before_you_start"]),
            category=categories[row["category"]],
            documents=tuple(documents[row["id"]]),
            has_form=row["id"] in with_form,
        )
        for row in service_rows
    ]
    notices = [
        NoticeView(
            id=r["id"],
            title=r["title"],
            body_html=render_markdown(r["body"]),
            level=r["level"],
            e_service_id=r["e_service"],
            closed_for_new=r["closed_for_new"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
        )
        for r in notice_rows
    ]
    keywords = {row["id"]: row["keywords"].replace(",", " ") for row in service_rows}
    return CatalogueIndex(version, categories.values(), services, keywords, notices)


class CatalogueCache:
    """Holds the current index for one process; `get()` is cheap except when a refresh is due."""

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._index: CatalogueIndex | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> CatalogueIndex:
        index = self._index
        if index is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
            return index
        async with self._lock:
            index = self._index
            if index is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
                return index
            try:
                # asyncio.timeout, not wait_for: the refresh stays in the request's task and on its connection
                # (db.engine.RequestConnection). The first load may take its time.
                async with asyncio.timeout(REFRESH_TIMEOUT_SECONDS if index is not None else None):
                    index = self._index = await self._current(index)
            except Exception as error:
                # The database is out of reach: the catalogue keeps being served from the index at hand, and the next
                # check comes after the usual interval. Without an index there is nothing to serve.
                if index is None or not is_unavailable(error):
                    raise
                log.warning("catalogue_refresh_failed", extra={"error": type(error).__name__})
            self._checked_at = time.monotonic()
            return index

    async def _current(self, index: CatalogueIndex | None) -> CatalogueIndex:
        version = await catalogue.stamp_version(CATALOGUE_STAMP)
        if index is None or index.version != version or time.monotonic() - index.built_at > MAX_AGE_SECONDS:
            return await load_index(version)
        return index

    def invalidate(self) -> None:
        """Forget the index, so this process reloads on its next request (after its own writes)."""
        self._checked_at = 0.0
        self._index = None


async def related_document(service: EServiceView, filename: str) -> dict | None:
    """One of the e-service's related forms with its content; None unless the e-service lists it."""
    if not any(document.filename == filename for document in service.documents):
        return None
    return await catalogue.related_document(service.id, filename)
