"""Accounts and logical wallets: funds, wallet sets, allocation, valuation (seed's wallet API)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Response

from api.deps import (
    AccountAdmin,
    AccountPath,
    AccountTrader,
    AccountViewer,
    CommandsDep,
    IdPath,
    NamespaceDep,
    SettingsDep,
    ViewsDep,
)
from api.errors import ARCHIVE_UNAVAILABLE, COMMANDS, NOT_FOUND, READS, archive_unreadable
from api.fields import ID_PATTERN, IsoTime
from api.models import (
    AdjustIn,
    Amount,
    Balance,
    CommandIn,
    CommandOut,
    FundsIn,
    HistoryPoint,
    Valued,
    WalletHistoryOut,
    WalletSetIn,
    WalletSetOut,
    iso_time,
    micros,
    show,
)
from api.services.command_outcome import outcome_response
from api.services.commands import now_us
from api.services.names import check_names
from schemas.events import (
    AdjustWalletSet,
    Allocation,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    WithdrawFunds,
)
from streams.ledger.projections import WalletSetView, by_currency
from streams.ledger.valuation import value_in_usd

router = APIRouter(prefix="/accounts/{account}", tags=["wallets"])


def _id(given: str | None) -> str:
    return given or f"api:{uuid.uuid4().hex}"  # the outside world's command id; events derive from it


def _set_out(view: WalletSetView) -> WalletSetOut:
    return WalletSetOut(
        wallet_set_id=view.wallet_set_id, run_id=view.run_id, active=view.active,
        open_orders=view.open_orders,
        balances=[Balance(venue=v, currency=c, balance=show(b.balance), available=show(b.available),
                          hold=show(b.hold)) for (v, c), b in view.balances.items()],
    )


def _amounts(amounts: dict[tuple[str, str], int], aggregate: bool = False) -> list[Amount]:
    """Per (venue, currency), or summed over venues (venue "*") when ``aggregate``."""
    if aggregate:
        return [Amount(venue="*", currency=c, amount=show(n)) for c, n in by_currency(amounts).items()]
    return [Amount(venue=v, currency=c, amount=show(n)) for (v, c), n in amounts.items()]


Aggregate = Annotated[bool, Query(description="Sum over venues per currency.")]


@router.post("/deposits", response_model=CommandOut, responses=COMMANDS)
async def deposit(account: AccountPath, body: FundsIn, commands: CommandsDep,
                  response: Response, who: AccountAdmin) -> CommandOut:
    """A virtual deposit (paper mode) into the account's unallocated pool."""
    check_names(commands.views, [(body.venue, body.currency)])
    cmd = DepositFunds(event_id=_id(body.command_id), account=account, venue=body.venue,
                       currency=body.currency, amount=body.amount, ts=now_us(), principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/withdrawals", response_model=CommandOut, responses=COMMANDS)
async def withdraw(account: AccountPath, body: FundsIn, commands: CommandsDep,
                   response: Response, who: AccountAdmin) -> CommandOut:
    """A virtual withdrawal from the account's unallocated pool."""
    check_names(commands.views, [(body.venue, body.currency)])
    cmd = WithdrawFunds(event_id=_id(body.command_id), account=account, venue=body.venue,
                        currency=body.currency, amount=body.amount, ts=now_us(), principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/wallet-sets", response_model=CommandOut, responses=COMMANDS)
async def create_wallet_set(account: AccountPath, body: WalletSetIn, commands: CommandsDep,
                            response: Response, who: AccountTrader) -> CommandOut:
    """Partition funds from the pool into a run's wallet set: all allocations or none."""
    check_names(commands.views, [(a.venue, a.currency) for a in body.allocations])
    allocations = [Allocation(a.venue, a.currency, a.amount) for a in body.allocations]
    cmd = CreateWalletSet(event_id=_id(body.command_id), account=account, wallet_set_id=body.wallet_set_id,
                          run_id=body.run_id, allocations=allocations, ts=now_us(), principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/wallet-sets/{wallet_set_id}/adjust", response_model=CommandOut, responses=COMMANDS)
async def adjust_wallet_set(account: AccountPath, wallet_set_id: IdPath, body: AdjustIn,
                            commands: CommandsDep, response: Response, who: AccountTrader) -> CommandOut:
    """Top up (positive) or reduce (negative) an active wallet set."""
    check_names(commands.views, [(a.venue, a.currency) for a in body.allocations])
    allocations = [Allocation(a.venue, a.currency, a.amount) for a in body.allocations]
    cmd = AdjustWalletSet(_id(body.command_id), account, wallet_set_id, allocations, now_us(),
                          principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.post("/wallet-sets/{wallet_set_id}/deactivate", response_model=CommandOut, responses=COMMANDS)
async def deactivate_wallet_set(account: AccountPath, wallet_set_id: IdPath, commands: CommandsDep,
                                response: Response, body: Annotated[CommandIn, Body()], who: AccountTrader
                                ) -> CommandOut:
    """Return a wallet set's funds to the pool (refused while it has open orders). The JSON body (``{}``
    or ``{"command_id": …}``) is required: a plain cross-site form cannot send it."""
    cmd = DeactivateWalletSet(_id(body.command_id), account, wallet_set_id, now_us(), principal=who.id)
    return outcome_response(await commands.send_async(account, cmd), response)


@router.get("/wallet-sets", response_model=list[WalletSetOut], responses=READS)
def wallet_sets(account: AccountPath, views: ViewsDep, _: AccountViewer) -> list[WalletSetOut]:
    ledger, lock = views.ledger(account)
    with lock:
        return [_set_out(v) for v in (ledger.wallet_sets(account) if ledger else [])]


@router.get("/wallet-sets/{wallet_set_id}", response_model=WalletSetOut,
            responses={**READS, 404: NOT_FOUND})
def wallet_set(account: AccountPath, wallet_set_id: IdPath, views: ViewsDep, _: AccountViewer
               ) -> WalletSetOut:
    ledger, lock = views.ledger(account)
    with lock:
        view = ledger.wallet_set(account, wallet_set_id) if ledger else None
    if view is None:
        raise HTTPException(404, f"account {account!r} has no wallet set {wallet_set_id!r}")
    return _set_out(view)


@router.get("/allocated", response_model=list[Amount], responses=READS)
def allocated(account: AccountPath, views: ViewsDep, _: AccountViewer, aggregate: Aggregate = False
              ) -> list[Amount]:
    """Funds in active wallet sets, per venue and currency."""
    ledger, lock = views.ledger(account)
    with lock:
        return _amounts(ledger.allocated(account), aggregate) if ledger else []


@router.get("/unallocated", response_model=list[Amount], responses=READS)
def unallocated(account: AccountPath, views: ViewsDep, _: AccountViewer,
                venue: Annotated[str | None, Query(description="Only this venue.")] = None,
                aggregate: Aggregate = False) -> list[Amount]:
    """The unallocated pool, per venue and currency."""
    ledger, lock = views.ledger(account)
    with lock:
        return _amounts(ledger.unallocated(account, venue), aggregate) if ledger else []


@router.get("/total", response_model=list[Amount], responses=READS)
def total(account: AccountPath, views: ViewsDep, _: AccountViewer, aggregate: Aggregate = False
          ) -> list[Amount]:
    """Pool plus every wallet set: what the exchanges hold for the account."""
    ledger, lock = views.ledger(account)
    with lock:
        return _amounts(ledger.total(account), aggregate) if ledger else []


@router.get("/value", response_model=list[Valued], responses=READS)
def value(account: AccountPath, views: ViewsDep, _: AccountViewer) -> list[Valued]:
    """The account's total per currency, valued in USD from the latest book mids."""
    ledger, lock = views.ledger(account)
    with lock:
        amounts = by_currency(ledger.total(account)) if ledger else {}
    prices = views.mids()
    values = value_in_usd(amounts, prices)
    out = []
    for currency, amount in amounts.items():
        usd = values[currency]
        out.append(Valued(currency=currency, amount=show(amount),
                          usd=None if isinstance(usd, str) else show(usd)))
    return out


MAX_POINTS = 10_000


@router.get("/history", response_model=WalletHistoryOut, responses={**READS, 503: ARCHIVE_UNAVAILABLE})
async def history(account: AccountPath, settings: SettingsDep, namespace: NamespaceDep, _: AccountViewer,
                  start: Annotated[IsoTime, Query(description="first point, ISO 8601 (UTC if no zone)")],
                  end: Annotated[IsoTime, Query(description="last point at or before this time")],
                  step: Annotated[Literal["1m", "5m", "1h", "1d"], Query(
                      description="time between points; prices come from candles of this width")] = "1h",
                  wallet_set: Annotated[str | None, Query(pattern=ID_PATTERN, description="one wallet set; "
                                                          "default: the whole account")] = None,
                  ) -> WalletHistoryOut:
    """The account's (or one wallet set's) holdings at each step from ``start`` to ``end``, valued in
    USD, from the archive: the ledger's events and the markets' candles (``503`` when the archive is held
    by another process; ``cryptick api --archive`` or ``cryptick up`` serve it while archiving)."""
    from streams.market.freq import WIDTHS

    lo, hi, width = micros(start, "start"), micros(end, "end"), WIDTHS[step]
    if hi < lo:
        raise HTTPException(422, "end must not be before start")
    if (hi - lo) // width + 1 > MAX_POINTS:
        raise HTTPException(422, f"at most {MAX_POINTS:,} points a request: narrow the range or widen step")
    times = list(range(lo, hi + 1, width))
    try:
        points = await asyncio.to_thread(_history, settings.dsn, namespace, account, wallet_set, times, step)
    except Exception as exc:  # a locked embedded store, a server down
        raise archive_unreadable(exc) from None
    return WalletHistoryOut(account=account, wallet_set=wallet_set, step=step, points=[
        HistoryPoint(time=iso_time(p.ts) or "", usd=None if p.usd is None else show(p.usd),
                     unpriced=list(p.unpriced),
                     holdings=[Amount(venue=v, currency=c, amount=show(n))
                               for (v, c), n in p.holdings.items()])
        for p in points])


def _history(dsn: str, namespace: str, account: str, wallet_set: str | None, times: list[int], step: str
             ) -> list[Any]:
    from api.services.wallet_history import wallet_history
    from streams.archive.clickhouse import thread_client

    return wallet_history(thread_client(dsn), namespace, account, wallet_set, times, step)
