"""The portal's own information pages: about, cookies, accessibility statement, contact."""

from litestar import get
from litestar.response import Template


@get("/om", name="about")
async def about() -> Template:
    return Template("pages/about.html")


@get("/kakor", name="cookies")
async def cookies() -> Template:
    return Template("pages/cookies.html")


@get("/tillganglighet", name="accessibility")
async def accessibility() -> Template:
    return Template("pages/accessibility.html")


@get("/kontakt", name="contact")
async def contact() -> Template:
    return Template("pages/contact.html")


route_handlers = [about, cookies, accessibility, contact]
