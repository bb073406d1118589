"""Machine reasons of the ledger's rejections (travel as strings on the events)."""

from __future__ import annotations

from enum import StrEnum


class CommandReason(StrEnum):
    """Why a wallet command (``CommandRejected.reason``) was refused."""

    NON_POSITIVE_AMOUNT = "non_positive_amount"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    BAD_WALLET_CONFIG = "bad_wallet_config"
    DUPLICATE_WALLET_SET = "duplicate_wallet_set"
    UNKNOWN_WALLET_SET = "unknown_wallet_set"
    INACTIVE_WALLET_SET = "inactive_wallet_set"
    OPEN_ORDERS = "open_orders"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"  # an amount above MAX_UNITS (the wire's range)
    BALANCE_OUT_OF_RANGE = "balance_out_of_range"  # a balance it would push past MAX_UNITS


class OrderReason(StrEnum):
    """Why an order request (``OrderRejected.reason``) was refused."""

    UNKNOWN_WALLET_SET = "unknown_wallet_set"
    INACTIVE_WALLET_SET = "inactive_wallet_set"
    RUN_MISMATCH = "run_mismatch"
    UNKNOWN_PAIR = "unknown_pair"
    BAD_SIDE = "bad_side"
    BAD_ORDER_TYPE = "bad_order_type"
    NON_POSITIVE_SIZE = "non_positive_size"
    SIZE_STEP = "size_step"
    MISSING_PROTECTION_PRICE = "missing_protection_price"
    MISSING_PRICE = "missing_price"
    NON_POSITIVE_PRICE = "non_positive_price"
    PRICE_PRECISION = "price_precision"
    BELOW_MIN_SIZE = "below_min_size"
    ABOVE_MAX_SIZE = "above_max_size"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"  # size, price or hold above MAX_UNITS
    BALANCE_OUT_OF_RANGE = "balance_out_of_range"  # what it would bring in would pass MAX_UNITS


class CancelReason(StrEnum):
    """Why a cancel request (``CancelRejected.reason``) was not forwarded to the venue."""

    UNKNOWN_ORDER = "unknown_order"
    ORDER_CLOSED = "order_closed"  # done or rejected: nothing left to cancel
    RUN_MISMATCH = "run_mismatch"
    ORDER_MISMATCH = "order_mismatch"  # venue or pair differ from the order's
