"""The ledger agent against a raw consume + decode of the same inbox (issue #20), in interleaved rounds.

On the real broker (default): each round publishes a fresh copy of bench/ledger.py's inbox (orders, each
filled twice and done, over 16 accounts; 1.6 outputs per input) and times, in the order A B C then C B A:
(raw) a bare confluent-kafka consumer that decodes every message with the contract's codec, the most a
Python consumer of this inbox can do; (agent) ``cryptick worker --roles ledger --runtime direct`` from
its first progress to caught up (consume, decode, decide, encode the outputs, apply, produce, commit);
(fastavro) the raw consumer decoding with fastavro alone (``Codec(compiled=False)``, the codec before
its compiled decoders), for context. With ``--base DIR`` a fourth arm runs the same worker on the code
in DIR (say, ``git archive`` of an older commit unpacked there): before and after in the same rounds.
The figures are messages per second, best and median over the rounds, and the agent's share of the raw
rate.

``--in-process`` measures the same without a broker: the agent's inbox shell (``streams.runtime.shell``'s
processor of the topology's ledger node, with its observer: decode, decide, encode, apply, counters)
against the codec's decode alone, on the same encoded inbox, in µs per message. That is where the
per-message path is profiled (``--profile`` prints the shell's top functions). The default inbox (20,000
orders: 80,064 messages) stays within the ledger's window of remembered input ids (200,000); 100,000
orders (400,064) also show the cost per message once the window is full and forgets its oldest id with
every input.

Run: ``.venv/bin/python bench/ledger_agent.py [orders] [--rounds N] [--base DIR] [--in-process] [--profile]``.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence

from interleave import conditions, interleaved
from ledger import agent_inbox

from producers.scenario import Message
from schemas.codec import Codec, default_codec
from schemas.topics import LEDGER_JOURNAL


def _summary(label: str, rates: Sequence[float], unit: str = "msg/s") -> str:
    return f"{label:<28} {max(rates):>10,.0f} {statistics.median(rates):>10,.0f} {unit}  (best, median)"


def on_broker(orders: int, rounds: int, base: str | None) -> None:
    from agent_path import agent_rate, raw_rate

    from floor.kafka import create_topics, end_offsets
    from floor.settings import get_settings
    from producers.publish import publish
    from schemas.topics import all_topics, qualified

    bootstrap = get_settings().bootstrap
    messages = [Message(LEDGER_JOURNAL, key, e) for key, e in agent_inbox(orders)]
    spaces = []
    for _ in range(rounds * (2 if base else 1)):  # a fresh inbox per agent run: its group consumes it once
        ns = f"bench{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, all_topics(ns))
        publish(bootstrap, messages, ns)
        spaces.append(ns)
    total = sum(end_offsets(bootstrap, qualified(LEDGER_JOURNAL, spaces[0])).values())
    done = {"raw": 0, "agent": 0, "fastavro": 0}

    def raw(arm: str, codec: Codec | None) -> Callable[[], float]:
        def run() -> float:
            ns = spaces[done[arm]]  # the inbox the agent reads in the same round
            done[arm] += 1
            return total / raw_rate(bootstrap, qualified(LEDGER_JOURNAL, ns), total, codec)
        return run

    def agent(arm: str, tree: str | None) -> Callable[[], float]:
        def run() -> float:
            ns = spaces[done[arm] + (rounds if arm == "base" else 0)]  # raw reads the agent's
            done[arm] += 1
            if tree is None:
                return total / agent_rate(bootstrap, ns, ("ledger",), total, "direct")
            here, path = os.getcwd(), os.environ.get("PYTHONPATH")
            os.chdir(tree)  # the worker (``python -m``) imports from its working directory first
            os.environ["PYTHONPATH"] = tree
            try:
                return total / agent_rate(bootstrap, ns, ("ledger",), total, "direct")
            finally:
                os.chdir(here)
                if path is None:
                    del os.environ["PYTHONPATH"]
                else:
                    os.environ["PYTHONPATH"] = path
        return run

    arms = [("raw", raw("raw", None)), ("agent", agent("agent", None)),
            ("fastavro", raw("fastavro", Codec(compiled=False)))]
    if base is not None:
        done["base"] = 0
        arms.append(("base", agent("base", base)))
    print(conditions("start"))
    times = interleaved(rounds, arms)
    print(conditions("end  "))
    rates = {name: [total / s for s in seconds] for name, seconds in times.items()}
    print(f"ledger inbox {total:,} messages, {rounds} rounds")
    print(_summary("raw consume + decode", rates["raw"]))
    print(_summary("the same, fastavro's decode", rates["fastavro"]))
    labels = {"agent": "ledger agent (direct)", "base": f"the same, code of {base}"}
    for name in ("agent", "base"):
        if name in rates:
            r = rates[name]
            print(_summary(labels[name], r) + f"  agent / raw {max(r) / max(rates['raw']):.2f} (best), "
                  f"{statistics.median(r) / statistics.median(rates['raw']):.2f} (median)")


def in_process(orders: int, rounds: int, profile: bool) -> None:
    from strategies.topology import LEDGER, Configs
    from streams.ledger.agent import LedgerObserver
    from streams.runtime.shell import processor

    codec = default_codec()
    inbox = [(key.encode(), codec.encode(e)) for key, e in agent_inbox(orders)]
    n = len(inbox)

    def shell() -> float:
        p = processor(LEDGER, Configs())
        p.observer = LedgerObserver()  # as a worker runs it
        process = p.process
        gc.collect()
        start = time.perf_counter()
        for offset, (key, value) in enumerate(inbox):
            process(0, offset, key, value, 1_700_000_000_000)
        return time.perf_counter() - start

    def decode() -> float:
        dec = codec.decode
        gc.collect()
        start = time.perf_counter()
        for _, value in inbox:
            dec(value)
        return time.perf_counter() - start

    print(conditions("start"))
    times = interleaved(rounds, [("decode", decode), ("shell", shell)])
    print(conditions("end  "))
    print(f"ledger inbox {n:,} messages in process, {rounds} rounds")
    for name, label in (("decode", "codec decode"), ("shell", "ledger inbox shell")):
        us = [1e6 * s / n for s in times[name]]
        print(f"{label:<28} {min(us):>8.2f} {statistics.median(us):>8.2f} µs/msg  (min, median)")
    d, s = times["decode"], times["shell"]
    print(f"decode / shell: {min(d) / min(s):.2f} (mins), {statistics.median(d) / statistics.median(s):.2f} "
          f"(medians)")
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(shell)
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def main(argv: Sequence[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
    base = argv[argv.index("--base") + 1] if "--base" in argv else None
    args = [a for i, a in enumerate(argv)
            if not a.startswith("--") and (i == 0 or argv[i - 1] not in ("--rounds", "--base"))]
    orders = int(args[0]) if args else 20_000
    if "--in-process" in argv or "--profile" in argv:
        in_process(orders, rounds, "--profile" in argv)
    else:
        on_broker(orders, rounds, base)


if __name__ == "__main__":
    main(sys.argv[1:])
