"""Request and response models. Amounts travel as decimal strings ("1234.5"), exactly."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from streams.money import to_decimal_str, to_fixed


def _fixed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("give amounts as decimal strings, e.g. \"0.25\"")
    try:
        return to_fixed(str(value))
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"{value!r} is not a decimal amount with at most 8 decimals") from exc


Fixed = Annotated[int, BeforeValidator(_fixed)]
"""A decimal string in a request, held as fixed-point units."""


def show(units: int) -> str:
    return to_decimal_str(units)


class AllocationIn(BaseModel):
    venue: str
    currency: str
    amount: Fixed


class FundsIn(BaseModel):
    venue: str
    currency: str
    amount: Fixed
    command_id: str | None = Field(None, description="Idempotency key: the same id is applied once.")


class WalletSetIn(BaseModel):
    wallet_set_id: str
    run_id: str
    allocations: list[AllocationIn]
    command_id: str | None = None


class AdjustIn(BaseModel):
    allocations: list[AllocationIn] = Field(description="Positive amounts top up, negative reduce.")
    command_id: str | None = None


class OrderIn(BaseModel):
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: Literal["buy", "sell"]
    type: Literal["limit", "market", "ioc", "fok"]
    size: Fixed
    price: Fixed | None = Field(None, description="Limit price, or a market order's protection price.")
    post_only: bool = False
    cancel_after_s: int | None = Field(None, gt=0)
    order_id: str | None = None


class CancelIn(BaseModel):
    run_id: str
    venue: str
    pair: str


class CommandOut(BaseModel):
    command_id: str
    status: Literal["accepted", "rejected", "duplicate", "pending"]
    reason: str | None = None
    detail: str | None = None
    events: list[dict[str, Any]] = []


class Balance(BaseModel):
    venue: str
    currency: str
    balance: str
    available: str
    hold: str


class WalletSetOut(BaseModel):
    wallet_set_id: str
    run_id: str
    active: bool
    open_orders: int
    balances: list[Balance]


class Amount(BaseModel):
    venue: str
    currency: str
    amount: str


class Valued(BaseModel):
    currency: str
    amount: str
    usd: str | None = Field(description="None: no price route to USD (not zero).")


class BookOut(BaseModel):
    venue: str
    pair: str
    stale: bool
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


class RunIn(BaseModel):
    strategy: str
    balances: list[AllocationIn] = Field(min_length=1, description="The run's allocation (its wallet set).")
    params: dict[str, str] = {}
    account: str = "paper"
    deposit: bool = Field(True, description="Deposit the allocation as paper money first.")
    duration_s: int | None = Field(None, gt=0, description="Stop after this much event time.")
    history: bool = Field(True, description="Give the run the archived candles its lookback reads.")


class RunOut(BaseModel):
    run_id: str
    wallet_set_id: str
    account: str
    command_id: str
    history_candles: int = Field(0, description="Archived candles journaled into the run's inbox.")
    history_note: str | None = Field(None, description="Why no archived history was given, if so.")


class StopIn(BaseModel):
    reason: str = "stopped from the API"
    release: bool = Field(False, description="Give the run's wallet set back to the account's pool once "
                          "its cancelled orders are done (otherwise it keeps what the run left).")


class SentOut(BaseModel):
    command_id: str
