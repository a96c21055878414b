"""The nouns an e-service may call what a resident sends in, and their sentences: each noun's forms agree with its
gender, every sentence has Swedish for every noun that uses that noun (and its agreeing words), and nothing else."""

from __future__ import annotations

import re

import pytest

from core import nouns
from core.nouns import DEFAULT_NOUN, NOUNS, PLURAL_SENTENCES, SENTENCES, for_noun, for_noun_plural
from db.demo.catalogue_data import DemoDataError, parse_catalogue, read_catalogue

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_default_noun_is_ansokan_and_in_the_set():
    assert DEFAULT_NOUN == "ansökan" and DEFAULT_NOUN in NOUNS
    assert {"ansökan", "anmälan", "felanmälan", "begäran", "beställning", "bokning", "nominering", "e-förslag"} <= set(
        NOUNS
    )


@pytest.mark.parametrize("key", NOUNS)
def test_each_nouns_forms_agree_with_its_gender(key):
    noun = NOUNS[key]
    assert noun.key == key
    article, possessive = ("ett", "ditt") if noun.gender == "neuter" else ("en", "din")
    assert noun.indefinite == f"{article} {key}"
    assert noun.possessive == f"{possessive} {key}"
    assert noun.definite.startswith(key[:-2])  # ansökan → ansökan, bokning → bokningen, e-förslag → e-förslaget


def test_some_definite_forms_that_follow_no_rule():
    assert NOUNS["ansökan"].definite == "ansökan"
    assert NOUNS["begäran"].definite == "begäran"
    assert NOUNS["felanmälan"].definite == "felanmälan"
    assert NOUNS["bokning"].definite == "bokningen"
    assert NOUNS["e-förslag"].definite == "e-förslaget"


@pytest.mark.parametrize("key", NOUNS)
def test_every_sentence_is_swedish_for_every_noun_and_names_only_that_noun(key):
    noun = NOUNS[key]
    neuter = noun.gender == "neuter"
    for message in SENTENCES:
        variables = {name: "X" for name in PLACEHOLDER.findall(message)}
        text = for_noun(key, message, **variables)
        assert text != message % variables, (key, message)  # translated
        assert noun.key in text.lower() or noun.definite in text.lower(), (key, text)
        if key != "ansökan":
            assert "ansökan" not in text.lower(), (key, text)
        # The words around the noun agree with its gender ("den" is also the date's article, "ett" a number's).
        words = set(re.findall(r"[\wåäö-]+", text.lower()))
        disagreeing = {"din", "sparad", "ny"} if neuter else {"ditt", "sparat", "nytt", "det"}
        assert not words & disagreeing, (key, text)
    for singular, _plural in PLURAL_SENTENCES:
        for count in (1, 30):
            text = for_noun_plural(key, singular, count)
            assert str(count) in text and (noun.key in text.lower()), (key, text)
            assert ("dag " if count == 1 else "dagar ") in text, text


def test_examples_read_as_swedish():
    assert for_noun("felanmälan", "Submit your application") == "Skicka in din felanmälan"
    assert for_noun("e-förslag", "Submit your application") == "Skicka in ditt e-förslag"
    assert for_noun("e-förslag", "Continue the saved application") == "Fortsätt med det sparade e-förslaget"
    assert for_noun("bokning", "Sign the application") == "Skriv under bokningen"
    assert for_noun("begäran", "Application received") == "Begäran har kommit in"
    assert (
        for_noun("e-förslag", "Delete it and start a new application") == "Radera det och börja på ett nytt e-förslag"
    )
    assert for_noun("ansökan", "Your application has been received") == "Din ansökan har kommit in"


def test_an_unknown_noun_falls_back_to_ansokan_and_an_unlisted_sentence_is_refused():
    assert for_noun("blankett", "Submit your application") == "Skicka in din ansökan"
    with pytest.raises(ValueError, match="SENTENCES"):
        for_noun("ansökan", "Something not listed")
    with pytest.raises(nouns.UnknownNoun, match="supported: ansökan"):
        nouns.noun("blankett")


def test_every_demo_e_service_names_a_supported_noun():
    services = read_catalogue().services
    assert len(services) == 56
    assert all(service.noun in NOUNS for service in services)
    by_slug = {service.slug: service.noun for service in services}
    assert by_slug["felanmalan-gata-park-och-belysning"] == "felanmälan"
    assert by_slug["e-forslag"] == "e-förslag"
    assert by_slug["begaran-om-allman-handling"] == "begäran"
    assert by_slug["ansokan-om-bygglov"] == "ansökan"


def _catalogue_with(noun):
    service = {
        "slug": "tjanst",
        "title": "Tjänst",
        "category": "kat",
        "summary": "S",
        "description": "D",
        "before_you_start": "B",
        "processing_time": "P",
        "keywords": "k",
        "contact_name": "N",
        "contact_title": "T",
        "contact_email": "n@mark.se",
        "contact_phone": "0320-21 70 00",
        "requires_login": True,
        "requires_signing": False,
        "allows_drafts": True,
        "allows_supplement": True,
        "allows_messages": True,
        "allows_coapplicants": False,
        "retention_days_closed": None,
        "retention_days_draft": None,
        "start_count": 0,
        "published": True,
    }
    if noun is not None:
        service["noun"] = noun
    return {"categories": [{"slug": "kat", "name": "Kat", "description": "K", "sort_order": 1}], "services": [service]}


def test_the_catalogue_loader_accepts_only_supported_nouns():
    assert parse_catalogue(_catalogue_with("bokning")).services[0].noun == "bokning"
    with pytest.raises(DemoDataError, match=r"e-service 'tjanst': unknown noun 'blankett'; supported: ansökan"):
        parse_catalogue(_catalogue_with("blankett"))
    with pytest.raises(DemoDataError, match=r"'noun' must be a non-empty string"):
        parse_catalogue(_catalogue_with(None))
