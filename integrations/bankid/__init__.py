"""BankID: a client for the RP API v6.0, its animated QR code, the recommended user messages and a simulator."""

from integrations.bankid.client import (
    BankIdClient,
    BankIdError,
    CollectResult,
    CollectStatus,
    Completion,
    OrderStarted,
    WebDevice,
)
from integrations.bankid.messages import collect_message, error_message
from integrations.bankid.qr import qr_content, qr_svg
from integrations.bankid.simulator import BankIdSimulator, OrderUnavailable, SimulatedOrder, simulator_api

__all__ = [
    "BankIdClient",
    "BankIdError",
    "BankIdSimulator",
    "CollectResult",
    "CollectStatus",
    "Completion",
    "OrderStarted",
    "OrderUnavailable",
    "SimulatedOrder",
    "WebDevice",
    "collect_message",
    "error_message",
    "qr_content",
    "qr_svg",
    "simulator_api",
]
