"""Log lines: an exception is logged by its type and frames, never by its message, its notes or local values."""

from __future__ import annotations

import json
import logging
import traceback

from core.logging import JsonFormatter

ERIK = "198112189876"
ERIK_WRITTEN = ("198112189876", "19811218-9876", "811218-9876", "8112189876")


def look_up(personal_number: str) -> None:
    register_row = {"personnummer": personal_number}  # a local value that must not reach the log
    raise KeyError(f"no register row for {register_row['personnummer']}")


def load_applicant(personal_number: str) -> None:
    try:
        look_up(personal_number)
    except KeyError as error:
        raise ValueError(f"applicant {personal_number} could not be loaded") from error


def render_page(personal_number: str) -> None:
    try:
        load_applicant(personal_number)
    except ValueError:
        # Raised while handling the ValueError, without `from`: Python chains it implicitly (__context__).
        raise RuntimeError(f"page for {personal_number} failed")  # noqa: B904


def caught(function, *args) -> BaseException:
    try:
        function(*args)
    except BaseException as error:
        return error
    raise AssertionError(f"{function.__name__} did not raise")


def logged(error: BaseException, **extra) -> tuple[str, dict]:
    """The line the real formatter writes for `log.error("unhandled_exception", exc_info=error, extra=extra)`."""
    record = logging.LogRecord("eplatform.test", logging.ERROR, __file__, 1, "unhandled_exception", None, None)
    record.exc_info = (type(error), error, error.__traceback__)
    record.__dict__.update(extra)
    line = JsonFormatter().format(record)
    return line, json.loads(line)


def functions(entry: dict) -> list[str]:
    return [frame["function"] for frame in entry["frames"]]


def test_the_fixture_carries_the_personal_number_in_messages_and_locals():
    """Python's own traceback, with locals, shows the number in all three places this test keeps out of the log."""
    error = caught(render_page, ERIK)
    text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    assert f"page for {ERIK} failed" in text
    assert f"applicant {ERIK} could not be loaded" in text
    assert f"no register row for {ERIK}" in text
    assert f"register_row = {{'personnummer': '{ERIK}'}}" in text


def test_exception_is_logged_with_types_and_frames_of_the_whole_chain_but_no_personal_number():
    error = caught(render_page, ERIK)
    error.add_note(f"while showing {ERIK}")
    line, entry = logged(error, error_ref="A1B2C3D4")

    assert not any(written in line for written in ERIK_WRITTEN), line
    assert "traceback" not in entry
    assert entry["error_ref"] == "A1B2C3D4" and entry["event"] == "unhandled_exception"
    page = entry["exception"]
    assert page["type"] == "RuntimeError"
    assert functions(page) == ["caught", "render_page"]
    applicant = page["context"]  # raised while handling
    assert applicant["type"] == "ValueError" and functions(applicant) == ["render_page", "load_applicant"]
    register = applicant["cause"]  # raise ... from
    assert register["type"] == "KeyError" and functions(register) == ["load_applicant", "look_up"]
    assert "cause" not in register and "context" not in register

    raising = register["frames"][-1]
    assert raising["file"] == __file__
    assert raising["line"] == look_up.__code__.co_firstlineno + 2
    assert raising["code"] == "raise KeyError(f\"no register row for {register_row['personnummer']}\")"


def test_a_cause_hidden_with_from_none_is_not_logged():
    def hide() -> None:
        try:
            look_up(ERIK)
        except KeyError:
            raise LookupError(ERIK) from None

    line, entry = logged(caught(hide))
    assert entry["exception"]["type"] == "LookupError"
    assert "context" not in entry["exception"] and "cause" not in entry["exception"]
    assert ERIK not in line


def test_types_outside_builtins_are_named_with_their_module():
    class RegisterError(Exception):
        pass

    def fail() -> None:
        raise RegisterError(ERIK)

    line, entry = logged(caught(fail))
    name = "tests.core.test_logging.test_types_outside_builtins_are_named_with_their_module.<locals>.RegisterError"
    assert entry["exception"]["type"] == name
    assert ERIK not in line


def test_members_of_an_exception_group_are_logged_by_type():
    def fail() -> None:
        errors = [caught(look_up, ERIK), caught(load_applicant, ERIK)]
        raise ExceptionGroup(f"two failures for {ERIK}", errors)

    line, entry = logged(caught(fail))
    group = entry["exception"]
    assert group["type"] == "ExceptionGroup"
    assert [member["type"] for member in group["exceptions"]] == ["KeyError", "ValueError"]
    assert group["exceptions"][1]["cause"]["type"] == "KeyError"
    assert ERIK not in line


def test_a_deep_recursion_logs_a_bounded_number_of_frames():
    def recurse(depth: int) -> None:
        if depth == 0:
            raise ValueError(ERIK)
        recurse(depth - 1)

    line, entry = logged(caught(recurse, 300))
    assert len(entry["exception"]["frames"]) == 100
    assert entry["exception"]["frames_omitted"] == 302 - 100  # caught, recurse(300) ... recurse(0)
    assert entry["exception"]["frames"][-1]["function"] == "recurse"
    assert ERIK not in line


def test_a_line_without_an_exception_has_no_exception_key():
    record = logging.LogRecord("eplatform.test", logging.INFO, __file__, 1, "job_finished", None, None)
    record.deleted = 3
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "job_finished" and entry["deleted"] == 3 and "exception" not in entry
