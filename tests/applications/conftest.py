"""The demo catalogue and its forms, loaded for each application test (the `db` fixture clears them after)."""

from __future__ import annotations

import pytest

from db.demo.catalogue import load_catalogue
from db.demo.forms import load_forms


@pytest.fixture
async def demo(db, settings, app):
    await load_catalogue(settings=settings)
    await load_forms(settings=settings)
    app.state.catalogue.invalidate()
