"""BankID's recommended user messages (RFA texts) and which one to show for a collect answer or an error.

The message ids are BankID's official English wording; the Swedish catalogue holds BankID's official Swedish.
`_` is lazy here: the texts are translated when shown, in the locale of that request.
"""

from __future__ import annotations

from core.i18n import lazy_gettext as _
from integrations.bankid.client import BankIdError, CollectResult

RFA1 = _("Start your BankID app.")
RFA3 = _("Action cancelled. Please try again.")
RFA4 = _("An identification or signing for this personal number is already started. Please try again.")
RFA5 = _("Internal error. Please try again.")
RFA6 = _("Action cancelled.")
RFA8 = _(
    "The BankID app is not responding. Please check that it’s started and that you have internet access. "
    "If you don’t have a valid BankID you can get one from your bank. Try again."
)
RFA9 = _("Enter your security code in the BankID app and select Identify or Sign.")
RFA13 = _("Trying to start your BankID app.")
RFA15A = _(
    "Searching for BankID:s, it may take a little while … If a few seconds have passed and still no BankID has "
    "been found, you probably don’t have a BankID which can be used for this identification/signing on this "
    "computer. If you have a BankID card, please insert it into your card reader. If you don’t have a BankID you "
    "can get one from your bank."
)
RFA15B = _(
    "Searching for BankID, it may take a little while … If a few seconds have passed and still no BankID has been "
    "found, you probably don’t have a BankID which can be used for this identification/signing on this device. If "
    "you don’t have a BankID you can get one from your bank."
)
RFA16 = _(
    "The BankID you are trying to use is blocked or too old. Please use another BankID or get a new one from your bank."
)
RFA17A = _(
    "The BankID app couldn’t be found on your computer or mobile device. Please install it and get a BankID from "
    "your bank. Install the app from your app store or https://install.bankid.com."
)
RFA17B = _(
    "Failed to scan the QR code. Start the BankID app and scan the QR code. Check that the BankID app is up to "
    "date. If you don’t have the BankID app, you need to install it and get a BankID from your bank. Install the "
    "app from your app store or https://install.bankid.com."
)
RFA21 = _("Identification or signing in progress.")
RFA22 = _("Unknown error. Please try again.")
RFA23 = _("Process your machine-readable travel document using the BankID app.")

_PENDING = {"noClient": RFA1, "userSign": RFA9, "userMrtd": RFA23}
_FAILED = {"userCancel": RFA6, "cancelled": RFA3, "expiredTransaction": RFA8, "certificateErr": RFA16}
_TRY_AGAIN_LATER = {"requestTimeout", "maintenance", "internalError", "tooManyRequests"}


def collect_message(result: CollectResult, *, qr: bool, same_device_mobile: bool) -> str:
    """The message for a collect answer. `qr`: the user was shown the animated QR code (BankID on another device);
    otherwise the app was started on this device (autostart). `same_device_mobile`: this device is a phone or
    tablet, not a computer. A complete order has no message ("")."""
    if result.status == "complete":
        return ""
    hint = result.hint_code or ""
    if result.status == "pending":
        if hint == "outstandingTransaction":
            return str(RFA1 if qr else RFA13)
        if hint == "started":
            return str(RFA15B if same_device_mobile else RFA15A)
        return str(_PENDING.get(hint, RFA21))
    if hint == "startFailed":
        return str(RFA17B if qr else RFA17A)
    return str(_FAILED.get(hint, RFA22))


def error_message(error: BankIdError) -> str:
    """The message for an error answer (or no answer) from BankID. invalidParameters, unauthorized and the like are
    our own faults: the user gets RFA22 and the log has the details."""
    if error.error_code == "alreadyInProgress":
        return str(RFA4)
    if error.error_code in _TRY_AGAIN_LATER or error.http_status == 429 or error.http_status >= 500:
        return str(RFA5)
    return str(RFA22)
