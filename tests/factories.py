"""Factories: the smallest valid rows, with any field overridable. Catalogue writes bump the catalogue version."""

from __future__ import annotations

import itertools

from core import clock
from db.catalogue import Category, EService, RelatedDocument, bump_version
from db.piccolo_app import APP_CONFIG

_sequence = itertools.count(1)


async def clear_database() -> None:
    for table in reversed(APP_CONFIG.table_classes):
        await table.delete(force=True)


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
