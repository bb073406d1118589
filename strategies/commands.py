"""The commands that start, stop and steer a paper run (pure): built once for the CLI and the API.

Ids make a retried command count once (the strategy runtime deduplicates by
event id): a run starts once (``<run>:start``) and stops once
(``<run>:stop``, whoever asks first gives the reason; a stop that also asks
for the release carries its time); a control message's id
is the run, the component and the client's request id (an HTTP
``Idempotency-Key``), or the command's time when the client gives none.

Each command carries the ``principal`` its sender gives (``schemas.events.COMMAND_TYPES``): the API's
authenticated principal, ``cli:<OS user>`` from the CLI, ``backtest`` from a backtest's setup.
"""

from __future__ import annotations

import json
from typing import Any

from schemas.events import ControlMessage, DepositFunds, HistoricalCandle, HistoryLoaded, StartRun, StopRun
from strategies.api import Strategy
from strategies.candles import HistorySource
from strategies.records import canonical_json
from strategies.run import RunSpec

HISTORY_CHUNK = 5000
"""Candles per ``HistoryLoaded`` message (about 60 bytes each: well under Kafka's 1 MB message limit)."""


def deposits(spec: RunSpec, now: int, *, principal: str = "") -> list[DepositFunds]:
    """Paper money: the run's allocation deposited into its account."""
    return [DepositFunds(event_id=f"{spec.run_id}:deposit:{i}", account=spec.account, venue=a.venue,
                         currency=a.currency, amount=a.amount, ts=now, principal=principal)
            for i, a in enumerate(spec.allocations)]


def start_run(spec: RunSpec, now: int, *, principal: str = "") -> StartRun:
    params = json.dumps(dict(spec.params), sort_keys=True)
    return StartRun(event_id=f"{spec.run_id}:start", run_id=spec.run_id, strategy=spec.strategy,
                    params_json=params, account=spec.account, wallet_set_id=spec.wallet_set_id,
                    mode=spec.mode, start_ts=spec.start_ts, end_ts=spec.end_ts,
                    allocations=list(spec.allocations), ts=now, duration_us=spec.duration_us,
                    principal=principal)


def stop_run(run_id: str, reason: str, now: int, release: bool = False, *, principal: str = "") -> StopRun:
    """Stop the run; with ``release``, its wallet set goes back to the pool once its orders are done. A
    stop counts once; each release request is its own (asking again after a refusal retries it, asking
    while one is on its way changes nothing)."""
    return StopRun(f"{run_id}:stop" + (f":release:{now}" if release else ""), run_id, reason, now, release,
                   principal=principal)


def control(run_id: str, component_id: str, payload: Any, now: int, request_id: str | None = None, *,
            principal: str = "") -> ControlMessage:
    """A dashboard message to one of the run's components; TypeError if ``payload`` is not JSON data.
    The same ``request_id`` twice is one message (a retry); without one, each call is a new message."""
    if not component_id:
        raise ValueError("name the component the message is for")
    payload_json = canonical_json(payload)
    ref = f"r:{request_id}" if request_id else str(now)
    return ControlMessage(f"{run_id}:control:{component_id}:{ref}", run_id, component_id, payload_json, now,
                          principal=principal)


def history(strategy: Strategy, spec: RunSpec, source: HistorySource, now: int) -> list[HistoryLoaded]:
    """The archived candles the strategy's lookback reads (``history_candles`` of ``candle_interval_s``)
    for each of its markets, closed by ``now``, as messages for the run's inbox (chunked, oldest first)."""
    interval, wanted = strategy.candle_interval_s, strategy.history_candles
    if not interval or wanted <= 0:
        return []
    out: list[HistoryLoaded] = []
    for m in strategy.markets(spec.default_venue):
        rows = [HistoricalCandle(start_ts=c.start_ts, end_ts=c.end_ts, open=c.open, high=c.high, low=c.low,
                                 close=c.close, volume=c.volume, trades=c.trades)
                for c in source.candles(m.venue, m.pair, interval, now, wanted)]
        for i in range(0, len(rows), HISTORY_CHUNK):
            chunk = f"{spec.run_id}:history:{m.venue}:{m.pair}:{i // HISTORY_CHUNK}"
            out.append(HistoryLoaded(event_id=chunk, run_id=spec.run_id, venue=m.venue, pair=m.pair,
                                     interval_s=interval, candles=rows[i:i + HISTORY_CHUNK], ts=now))
    return out
