"""What an e-service calls the thing a resident sends in: its noun (ansökan, anmälan, felanmälan, e-förslag, ...).

Design
------
Each e-service names one noun from the closed set `NOUNS` below (`EService.noun`, default "ansökan"; the demo
catalogue loader refuses any other). A noun is more than a word to paste into a sentence: Swedish nouns have a
gender (en ansökan, ett e-förslag) and definite forms that are not made by a rule (ansökan → ansökan, bokning →
bokningen, e-förslag → e-förslaget), and the words around them agree (din/ditt, den/det, sparad/sparat, ny/nytt).
So no sentence is assembled from a translated noun. Instead every sentence that names the resident's application is
translated as a whole sentence once per noun, with the noun as the message context:

    msgctxt "felanmälan"
    msgid "Submit your application"
    msgstr "Skicka in din felanmälan"

The message ids (English) of these sentences are listed in `SENTENCES` and `PLURAL_SENTENCES`, the one place that
says which texts follow the noun. `make messages` extracts every sentence for every noun through
`extract_noun_sentences` (registered in babel.cfg), so the Swedish catalogue has one entry per noun and sentence,
and tests/core/test_translations.py fails if one lacks Swedish. Code and templates translate them with
`for_noun(noun, message, **variables)` (a template global too); asking for a sentence that is not listed is an
error, so a new one cannot silently skip the catalogue.

The forms in `Noun` are the Swedish grammar of each noun: they document the set, they are what the translations are
checked against (tests/core/test_nouns.py), and they are what a translator follows for a new noun. Adding a noun
means adding it here and translating its sentences; adding a sentence means listing it here and translating it for
every noun.

Texts that speak of applications in general (help pages, Mina sidor's lists, where several e-services meet, and the
reminder before a draft is deleted, which must not reveal which e-service it is about) keep the generic
"ansökan" and are ordinary messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core import i18n


@dataclass(frozen=True)
class Noun:
    key: str  # the noun itself, as stored on the e-service and used as the message context
    gender: Literal["common", "neuter"]  # Swedish "en" or "ett" word
    indefinite: str  # en ansökan
    definite: str  # ansökan, e-förslaget, bokningen
    possessive: str  # din ansökan, ditt e-förslag


_COMMON, _NEUTER = "common", "neuter"

NOUNS: dict[str, Noun] = {
    noun.key: noun
    for noun in (
        Noun("ansökan", _COMMON, "en ansökan", "ansökan", "din ansökan"),
        Noun("anmälan", _COMMON, "en anmälan", "anmälan", "din anmälan"),
        Noun("felanmälan", _COMMON, "en felanmälan", "felanmälan", "din felanmälan"),
        Noun("begäran", _COMMON, "en begäran", "begäran", "din begäran"),
        Noun("beställning", _COMMON, "en beställning", "beställningen", "din beställning"),
        Noun("bokning", _COMMON, "en bokning", "bokningen", "din bokning"),
        Noun("nominering", _COMMON, "en nominering", "nomineringen", "din nominering"),
        Noun("uppsägning", _COMMON, "en uppsägning", "uppsägningen", "din uppsägning"),
        Noun("inkomstuppgift", _COMMON, "en inkomstuppgift", "inkomstuppgiften", "din inkomstuppgift"),
        Noun("synpunkt", _COMMON, "en synpunkt", "synpunkten", "din synpunkt"),
        Noun("e-förslag", _NEUTER, "ett e-förslag", "e-förslaget", "ditt e-förslag"),
    )
}
DEFAULT_NOUN = "ansökan"

# The sentences that name the resident's application, translated once per noun (see the module's docstring).
SENTENCES: tuple[str, ...] = (
    # the e-service's page and the start page
    "You sign the application with e-ID",
    "A saved application is not a public document: only you can see it until you submit it.",
    "You have a saved application",
    "You last worked on it %(when)s.",
    "Continue the saved application",
    "Or start again: the saved application is then deleted.",
    "Delete it and start a new application",
    "Your application is waiting for your co-applicants' signatures.",
    "You can save the application and continue later. A saved application is not a public document: only you can "
    "see it until you submit it.",
    # the steps, deleting a draft
    "Your answers are saved as you go. The saved application is deleted %(date)s if you do not continue it before "
    "then.",
    "Delete the saved application",
    "This application cannot be saved to continue later: fill it in at one sitting.",
    "Do you want to delete the saved application?",
    "Yes, delete the application",
    "No, go back to the application",
    "Your application has been saved.",
    "The saved application %(title)s has been deleted.",
    # checking, signing, the receipt and its PDF, the case on Mina sidor, the mail
    "Submit your application",
    "In the next step you sign the application with BankID.",
    "Submit the application",
    "Sign the application",
    "You sign your application to %(municipality)s.",
    "Application received",
    "Your application has been received",
    "We have received your application.",
    "We have received your application. Its reference number is %(reference)s.\n\nLog in on My pages to follow it.",
    "Your application",
    # co-signing
    "Read and sign the application",
    "Read the whole application before you sign. Last day to sign: %(date)s.",
    "You have signed. The application is sent when everyone has signed.",
    "You have signed. The application is sent to us when all co-applicants have signed it too.",
    "If anyone declines, or the time runs out, the application comes back to you as a saved application and you can "
    "change it and sign again.",
    "Delete the application",
)
# (singular, plural) pairs, chosen by a number.
PLURAL_SENTENCES: tuple[tuple[str, str], ...] = (
    (
        "A saved application is kept for %(num)d day after you last worked on it, then it is deleted.",
        "A saved application is kept for %(num)d days after you last worked on it, then it is deleted.",
    ),
)
_KNOWN = frozenset(SENTENCES)
_KNOWN_PLURALS = {singular: plural for singular, plural in PLURAL_SENTENCES}


class UnknownNoun(ValueError):
    """A noun outside the supported set."""


def noun(key: str) -> Noun:
    """The noun `key`; `UnknownNoun` names the supported ones."""
    try:
        return NOUNS[key]
    except KeyError:
        raise UnknownNoun(f"unknown noun {key!r}; supported: {', '.join(NOUNS)}") from None


def for_noun(key: str, message: str, /, **variables) -> str:
    """`message` (one of `SENTENCES`) translated for the e-service's noun, with %(name)s variables filled in. An
    unknown noun (a row written by hand) falls back to "ansökan" rather than breaking the page."""
    if message not in _KNOWN:
        raise ValueError(f"not a noun sentence (list it in core.nouns.SENTENCES): {message!r}")
    text = i18n.pgettext(key if key in NOUNS else DEFAULT_NOUN, message)
    return text % variables if variables else text


def for_noun_plural(key: str, singular: str, count: int, /, **variables) -> str:
    """A sentence of `PLURAL_SENTENCES` for the noun, in the form that `count` needs (`num` is the count)."""
    plural = _KNOWN_PLURALS.get(singular)
    if plural is None:
        raise ValueError(f"not a plural noun sentence (list it in core.nouns.PLURAL_SENTENCES): {singular!r}")
    context = key if key in NOUNS else DEFAULT_NOUN
    text = i18n.translations(i18n.current_locale()).npgettext(context, singular, plural, count)
    return text % {"num": count, **variables}


def extract_noun_sentences(fileobj, keywords, comment_tags, options):
    """Babel extraction method (babel.cfg): every sentence once per noun, with the noun as its context."""
    for key, entry in NOUNS.items():
        comment = [f"For the noun “{key}”: {entry.indefinite}, {entry.definite}, {entry.possessive}."]
        for message in SENTENCES:
            yield 1, "pgettext", (key, message), comment
        for singular, plural in PLURAL_SENTENCES:
            yield 1, "npgettext", (key, singular, plural), comment
