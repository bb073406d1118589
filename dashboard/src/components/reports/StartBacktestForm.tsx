import { Button, Card, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useState, type FormEvent } from "react";
import { newKey } from "../../api/client";
import { messageOf } from "../../api/errors";
import { backtests, reports, type Backtest, type Dataset, type StrategyInfo } from "../../api/reports";
import { ErrorNotice } from "../ErrorNotice";
import { parseParams } from "./model";

const AMOUNT = /^\d{1,12}(\.\d{1,8})?$/;
const CURRENCY = /^[A-Z0-9]{2,10}$/;

/** "2018-01-01T00:00" (a datetime-local input, read as UTC) or an ISO time: as ISO 8601 UTC. */
function utc(local: string): string {
  return /Z|[+-]\d\d:?\d\d$/.test(local) ? local : `${local}${local.length === 16 ? ":00" : ""}Z`;
}

const localOf = (iso: string) => iso.slice(0, 16);

/** Start a backtest: strategy and parameters, market data (synthetic or an archived dataset), window and
 *  initial balance. The idempotency key is kept until it is accepted, so a retry is the same backtest. */
export function StartBacktestForm({ onStarted }: { onStarted: (b: Backtest) => void }) {
  const [open, setOpen] = useState(false);
  const [strategies, setStrategies] = useState<StrategyInfo[] | null>(null);
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [readError, setReadError] = useState<unknown>(null);
  const [strategy, setStrategy] = useState("hodl");
  const [paramText, setParamText] = useState("");
  const [source, setSource] = useState<"synthetic" | "archive">("synthetic");
  const [dataset, setDataset] = useState("");
  const [start, setStart] = useState("2018-01-01T00:00");
  const [end, setEnd] = useState("2018-01-01T06:00");
  const [venue, setVenue] = useState("synthetic");
  const [currency, setCurrency] = useState("USD");
  const [amount, setAmount] = useState("10000");
  const [key, setKey] = useState(() => newKey("bt"));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState<string | null>(null);

  useEffect(() => {
    if (!open || strategies) return;
    reports.strategies().then(setStrategies, setReadError);
  }, [open, strategies]);
  useEffect(() => {
    if (!open || source !== "archive" || datasets) return;
    reports.datasets().then(setDatasets, (e: unknown) => { setDatasets([]); setReadError(e); });
  }, [open, source, datasets]);

  const params = parseParams(paramText);
  const info = strategies?.find((s) => s.name === strategy);
  const problems = {
    params: params.error,
    window: start && end && utc(start) >= utc(end) ? "the end must come after the start" : null,
    amount: AMOUNT.test(amount) ? null : "a positive amount, up to 8 decimals",
    currency: CURRENCY.test(currency) ? null : "a currency code such as USD",
  };
  const invalid = Object.values(problems).some(Boolean) || !start || !end || !venue;

  const pickDataset = (id: string) => {
    setDataset(id);
    const d = datasets?.find((x) => x.dataset === id);
    if (d) {
      setStart(localOf(d.first));
      setEnd(localOf(d.last));
      setVenue(d.venue);
      const quote = d.pair.split("-")[1];
      if (quote) setCurrency(quote);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    setError(null);
    setStarted(null);
    try {
      const b = await backtests.start({
        strategy, params: params.params, balances: [{ venue, currency, amount }],
        start: utc(start), end: utc(end), source, datasets: source === "archive" && dataset ? [dataset] : [],
        latency_ms: 50, seed: 7, step_ms: 1000, sample_s: 60, store: true, command_id: key,
      });
      setStarted(b.backtest_id);
      setKey(newKey("bt")); // accepted: the next start is another backtest
      onStarted(b);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <Group>
        <Button variant="light" onClick={() => setOpen(true)}>Start a backtest…</Button>
        {started && <Text size="sm" role="status">Started <span className="mono">{started.slice(0, 12)}</span>.</Text>}
      </Group>
    );
  }
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="start-bt-title">
      <form onSubmit={(e) => void submit(e)}>
        <Stack gap="xs">
          <Text id="start-bt-title" fw={600}>Start a backtest</Text>
          {readError != null && <Text size="sm" c="red">{messageOf(readError)}</Text>}
          <Group grow align="flex-start" wrap="wrap">
            <NativeSelect label="Strategy" value={strategy} onChange={(e) => setStrategy(e.currentTarget.value)}
                          data={strategies ? strategies.map((s) => s.name) : [strategy]} />
            <TextInput label="Parameters" placeholder="bases=BTC,ETH" value={paramText} error={problems.params}
                       description={info ? `${info.params.map((p) => `${p.name}=${p.default ?? "?"}`).join(" ") || "none"}` : "name=value, space separated"}
                       onChange={(e) => setParamText(e.currentTarget.value)} />
          </Group>
          <Group grow align="flex-start" wrap="wrap">
            <NativeSelect label="Market data" value={source}
                          onChange={(e) => setSource(e.currentTarget.value as "synthetic" | "archive")}
                          data={[{ value: "synthetic", label: "synthetic (seeded)" }, { value: "archive", label: "archived dataset" }]} />
            {source === "archive" && (
              <NativeSelect label="Dataset" value={dataset} onChange={(e) => pickDataset(e.currentTarget.value)}
                            data={[{ value: "", label: datasets ? "any (one per market)" : "reading…" },
                                   ...(datasets ?? []).filter((d) => d.pair !== "*").map((d) => ({
                                     value: d.dataset, label: `${d.venue} ${d.pair} · ${d.first.slice(0, 10)}…${d.last.slice(0, 10)} · ${d.origin}` }))]} />
            )}
          </Group>
          <Group grow align="flex-start" wrap="wrap">
            <TextInput type="datetime-local" label="Start (UTC)" value={start} required onChange={(e) => setStart(e.currentTarget.value)} />
            <TextInput type="datetime-local" label="End (UTC)" value={end} required error={problems.window}
                       onChange={(e) => setEnd(e.currentTarget.value)} />
          </Group>
          <Group grow align="flex-start" wrap="wrap">
            <TextInput label="Venue" value={venue} required onChange={(e) => setVenue(e.currentTarget.value.trim())} />
            <TextInput label="Currency" value={currency} error={problems.currency} onChange={(e) => setCurrency(e.currentTarget.value.trim().toUpperCase())} />
            <TextInput label="Initial balance" value={amount} inputMode="decimal" error={problems.amount}
                       onChange={(e) => setAmount(e.currentTarget.value.trim())} />
          </Group>
          <ErrorNotice error={error} title="The backtest was not started" />
          <Group>
            <Button type="submit" loading={busy} disabled={invalid}>Start</Button>
            <Button variant="subtle" onClick={() => setOpen(false)}>Close</Button>
            {started && <Text size="sm" role="status">Started <span className="mono">{started.slice(0, 12)}</span>: it is listed below.</Text>}
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
