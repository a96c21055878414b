"""Which of BankID's recommended messages the user sees for each collect answer and error."""

from __future__ import annotations

import pytest

from integrations.bankid import BankIdError, CollectResult, collect_message, error_message
from integrations.bankid import messages as rfa


def pending(hint: str | None) -> CollectResult:
    return CollectResult("o", "pending", hint, None)


def failed(hint: str | None) -> CollectResult:
    return CollectResult("o", "failed", hint, None)


@pytest.mark.parametrize(
    ("result", "qr", "mobile", "expected"),
    [
        (pending("outstandingTransaction"), False, False, rfa.RFA13),
        (pending("outstandingTransaction"), False, True, rfa.RFA13),
        (pending("outstandingTransaction"), True, False, rfa.RFA1),
        (pending("noClient"), False, False, rfa.RFA1),
        (pending("noClient"), True, False, rfa.RFA1),
        (pending("started"), True, False, rfa.RFA15A),
        (pending("started"), False, False, rfa.RFA15A),
        (pending("started"), False, True, rfa.RFA15B),
        (pending("userSign"), True, False, rfa.RFA9),
        (pending("userMrtd"), True, False, rfa.RFA23),
        (pending("userCallConfirm"), True, False, rfa.RFA21),
        (pending("somethingBankIdAddsNextYear"), False, True, rfa.RFA21),
        (pending(None), True, False, rfa.RFA21),
        (failed("userCancel"), True, False, rfa.RFA6),
        (failed("cancelled"), True, False, rfa.RFA3),
        (failed("expiredTransaction"), False, True, rfa.RFA8),
        (failed("certificateErr"), True, False, rfa.RFA16),
        (failed("startFailed"), False, False, rfa.RFA17A),
        (failed("startFailed"), False, True, rfa.RFA17A),
        (failed("startFailed"), True, False, rfa.RFA17B),
        (failed("transactionRiskBlocked"), True, False, rfa.RFA22),
        (failed(None), True, False, rfa.RFA22),
        (CollectResult("o", "paused", None, None), True, False, rfa.RFA22),
    ],
)
def test_collect_answers_map_to_bankids_recommended_messages(result, qr, mobile, expected):
    message = collect_message(result, qr=qr, same_device_mobile=mobile)
    assert isinstance(message, str) and message == str(expected)


def test_a_complete_order_has_no_message():
    assert collect_message(CollectResult("o", "complete", None, None), qr=True, same_device_mobile=False) == ""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (BankIdError("alreadyInProgress", "", 400), rfa.RFA4),
        (BankIdError("requestTimeout", "", 408), rfa.RFA5),
        (BankIdError("requestTimeout", "no answer", 0), rfa.RFA5),
        (BankIdError("maintenance", "", 503), rfa.RFA5),
        (BankIdError("internalError", "", 500), rfa.RFA5),
        (BankIdError("internalError", "connection refused", 0), rfa.RFA5),
        (BankIdError("tooManyRequests", "", 429), rfa.RFA5),
        (BankIdError("somethingNew", "", 502), rfa.RFA5),
        (BankIdError("invalidParameters", "", 400), rfa.RFA22),
        (BankIdError("unauthorized", "", 401), rfa.RFA22),
        (BankIdError("notFound", "", 404), rfa.RFA22),
    ],
)
def test_errors_map_to_bankids_recommended_messages(error, expected):
    assert error_message(error) == str(expected)


def test_every_message_is_a_distinct_sentence():
    texts = [str(getattr(rfa, name)) for name in dir(rfa) if name.startswith("RFA")]
    assert len(texts) == len(set(texts)) == 16
    assert all(text.endswith(".") for text in texts)
