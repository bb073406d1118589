import { Alert, Button, Group, NativeSelect, Stack, Text } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import { ApiError } from "../../api/errors";
import { walletApi, type WalletHistory } from "../../api/wallets";
import { PALETTE, UPlotChart } from "../../charts/UPlotChart";
import { ErrorNotice } from "../ErrorNotice";
import { formatUsd, windowRange, WINDOWS } from "./form";

const ACCOUNT = "";
const HISTORY_EVERY_MS = 10_000;

/** The points as uPlot data: seconds and USD (display; null where a currency had no price). */
export function seriesOf(history: WalletHistory): uPlot.AlignedData {
  const xs = history.points.map((p) => Date.parse(p.time) / 1000);
  const ys = history.points.map((p) => (p.usd === null ? null : Number(p.usd)));
  return [xs, ys];
}

/** The USD value of the account (or one of its sets) over a chosen window, from the archive. */
export function HistoryChart({ account, sets, version }: { account: string; sets: string[]; version: number }) {
  const [scope, setScope] = useState(ACCOUNT);
  const [windowIndex, setWindowIndex] = useState(0);
  const [history, setHistory] = useState<WalletHistory | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const w = WINDOWS[windowIndex]!;

  const read = useCallback(() => {
    const { start, end } = windowRange(w, Date.now());
    setLoading(true);
    let current = true;
    walletApi.history(account, start, end, w.step, scope || undefined).then(
      (h) => { if (current) { setHistory(h); setError(null); setLoading(false); } },
      (e: unknown) => { if (current) { setError(e); setLoading(false); } },
    );
    return () => { current = false; };
  }, [account, scope, w]);
  useEffect(read, [read]);
  // Wallet events: draw again, at most every HISTORY_EVERY_MS (each read scans the archive).
  const lastVersion = useRef(version);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latestRead = useRef(read);
  latestRead.current = read;
  useEffect(() => {
    if (version === lastVersion.current || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      lastVersion.current = version;
      latestRead.current();
    }, HISTORY_EVERY_MS);
  }, [version]);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);

  const data = useMemo(() => (history ? seriesOf(history) : null), [history]);
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(() => ({
    scales: { x: { time: true }, y: { range: (_u, min, max) => { const pad = Math.max((max - min) * 0.05, 1); return [min - pad, max + pad]; } } },
    axes: [{}, { size: 70 }],
    series: [{ label: "time" }, { label: "USD", stroke: PALETTE[0], width: 2, spanGaps: false,
                                  value: (_u: uPlot, v: number | null) => formatUsd(v) }],
  }), []);
  const unpriced = [...new Set(history?.points.flatMap((p) => p.unpriced) ?? [])];
  const archiveDown = error instanceof ApiError && error.status === 503;
  const last = history?.points[history.points.length - 1];

  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <NativeSelect label="History of" value={scope} onChange={(e) => setScope(e.currentTarget.value)}
                      data={[{ value: ACCOUNT, label: `the whole account ${account}` }, ...sets.map((s) => ({ value: s, label: `wallet set ${s}` }))]} />
        <NativeSelect label="Window" value={String(windowIndex)} onChange={(e) => setWindowIndex(Number(e.currentTarget.value))}
                      data={WINDOWS.map((x, i) => ({ value: String(i), label: `${x.label} (every ${x.step})` }))} />
        <Button variant="default" onClick={read} loading={loading}>Refresh</Button>
      </Group>
      <ErrorNotice error={error} onRetry={read} title={archiveDown ? "The history is read from the archive, which is not available here" : "The history could not be read"} />
      {archiveDown && (
        <Text size="sm" c="dimmed">The wallet history comes from the archive: run the API that archives
          (<span className="mono">cryptick api --archive</span> or <span className="mono">cryptick up</span>) to see it.</Text>
      )}
      {history && data && (
        history.points.length === 0 ? <Text c="dimmed" size="sm">No points in this window.</Text> : (
          <div data-testid="wallet-history" data-points={history.points.length} data-scope={scope || "account"}>
            <UPlotChart options={options} data={data} height={240}
                        label={`USD value of ${scope ? `wallet set ${scope}` : `account ${account}`}, ${w.label.toLowerCase()}, ` +
                               `${history.points.length} points; last ${formatUsd(last?.usd == null ? null : Number(last.usd))}`} />
            {unpriced.length > 0 && (
              <Alert color="yellow" mt="xs">No USD price for {unpriced.join(", ")}: points holding it have no value drawn.</Alert>
            )}
          </div>
        )
      )}
    </Stack>
  );
}
