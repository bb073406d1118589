import { Anchor, Badge, Button, Card, Group, NativeSelect, SegmentedControl, Text, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api/errors";
import { market, type Candle } from "../api/markets";
import { BookTable } from "../components/markets/BookTable";
import { Candles } from "../components/markets/Candles";
import { DepthChart } from "../components/markets/DepthChart";
import {
  DEFAULT_FREQ, FREQ_SECONDS, FREQS, spreadOf, windowRange, type CandleWindow, type Freq,
} from "../components/markets/model";
import { TradesTable } from "../components/markets/TradesTable";
import { usePolled } from "../components/markets/usePolled";
import "../components/markets/markets.css";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { formatAge } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { marketKey } from "../store/apply";
import { useStore } from "../store/store";

const BOOK_EVERY_MS = 1000; // the book and the trades are read, not streamed: once a second while visible
const DEPTH = 20;
const WINDOWS: { value: CandleWindow; label: string }[] = [
  { value: "1h", label: "1 hour" }, { value: "1d", label: "1 day" }, { value: "1w", label: "1 week" },
];

/** A 404 of the book or the trades means "nothing yet", not a failure: say it plainly. */
const notYet = (e: unknown) => e instanceof ApiError && e.status === 404;

function candleError(e: unknown): unknown {
  if (e instanceof ApiError && e.status === 503) {
    return new ApiError(503, "Candles are made from the archive, and this API cannot read it (" + e.message
      + "). Start the API with --archive, or check the ClickHouse server it is given, then try again.");
  }
  return e;
}

function CandlePanel({ venue, pair }: { venue: string; pair: string }) {
  const [window, setWindow] = useState<CandleWindow>("1h");
  const [freq, setFreq] = useState<Freq>(DEFAULT_FREQ["1h"]);
  const [candles, setCandles] = useState<{ rows: Candle[]; span: [number, number] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(() => {
    const { start, end } = windowRange(window, freq, Date.now());
    setLoading(true);
    market.candles(venue, pair, start, end, freq).then(
      (rows) => {
        setCandles({ rows, span: [Date.parse(start) / 1000, Date.parse(end) / 1000] });
        setError(null);
        setLoading(false);
      },
      (e: unknown) => { setError(candleError(e)); setLoading(false); },
    );
  }, [venue, pair, window, freq]);
  useEffect(load, [load]);
  const pickWindow = (w: string) => {
    const next = w as CandleWindow;
    setWindow(next);
    if (!FREQS[next].includes(freq)) setFreq(DEFAULT_FREQ[next]);
  };
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="candles-title">
      <Group justify="space-between" mb="xs" wrap="wrap" className="candle-controls">
        <Title order={2} size="h4" id="candles-title">Candles</Title>
        <Group gap="xs" align="flex-end" wrap="wrap">
          <SegmentedControl size="xs" data={WINDOWS} value={window} onChange={pickWindow} aria-label="Window" />
          <NativeSelect size="xs" label="Candle" aria-label="Candle width" value={freq}
                        data={FREQS[window]} onChange={(e) => setFreq(e.currentTarget.value as Freq)} />
          <Button size="xs" variant="default" onClick={load} loading={loading}>Reload</Button>
        </Group>
      </Group>
      <ErrorNotice error={error} onRetry={load} title="Candles could not be read" />
      {candles && !error && (
        <Candles candles={candles.rows} span={candles.span} widthS={FREQ_SECONDS[freq]}
                 label={`${pair} on ${venue}, last ${window}`} />
      )}
    </Card>
  );
}

/** One market: its status, bid, ask and spread, the depth chart and the book, recent trades, candles. */
export default function MarketPage() {
  const { venue = "", pair = "" } = useParams();
  const loadMarkets = useStore((s) => s.loadMarkets);
  const listed = useStore((s) => s.markets[marketKey(venue, pair)]);
  const note = useStore((s) => s.marketNotes[marketKey(venue, pair)]);
  const list = useLoad(loadMarkets, [loadMarkets]);
  const book = usePolled(() => market.book(venue, pair, DEPTH), BOOK_EVERY_MS, [venue, pair]);
  const trades = usePolled(() => market.trades(venue, pair, 50), BOOK_EVERY_MS, [venue, pair]);
  const bids = useMemo(() => book.data?.bids ?? [], [book.data]);
  const asks = useMemo(() => book.data?.asks ?? [], [book.data]);
  const bid = bids[0]?.[0] ?? listed?.book?.bid ?? null;
  const ask = asks[0]?.[0] ?? listed?.book?.ask ?? null;
  const spread = spreadOf(bid, ask);
  const stale = book.data ? book.data.stale : (listed?.book?.stale ?? true);
  const hasBook = Boolean(book.data || listed?.book);
  const title = `${pair} on ${venue}`;

  return (
    <section aria-labelledby="page-title">
      <Anchor component={Link} to="/markets" size="sm">← Markets</Anchor>
      <PageHeader title={<span id="page-title">{title}</span>}>
        <Badge color={stale ? "orange" : "green"} variant="light" data-testid="book-status" size="lg">
          {hasBook ? (stale ? "stale" : "fresh") : "no data"}
        </Badge>
      </PageHeader>
      {stale && note?.reason && <Text size="sm" c="dimmed">Stale: {note.reason}</Text>}
      <ErrorNotice error={list.error} onRetry={list.reload} title="Markets could not be read" />
      {!list.loading && !list.error && !listed && (
        <Text c="orange" mb="sm">{title} is not listed: check the venue and pair.</Text>
      )}
      <dl className="market-quote" aria-label="Quote" data-testid="quote">
        <div><dt>Bid</dt><dd className="mono" data-testid="bid">{bid ?? "—"}</dd></div>
        <div><dt>Ask</dt><dd className="mono" data-testid="ask">{ask ?? "—"}</dd></div>
        <div><dt>Spread</dt><dd className="mono" data-testid="spread">
          {spread ? `${spread.value} (${spread.bps.toFixed(1)} bp)` : "—"}</dd></div>
        <div><dt>Last update</dt><dd>{formatAge(listed?.book?.last_update_age_s)}</dd></div>
        <div><dt>Feed</dt><dd title={listed?.feed?.detail || undefined}>{listed?.feed?.state ?? "—"}</dd></div>
      </dl>
      <div className="market-grid">
        <div className="market-column">
          <Card withBorder padding="sm" component="section" aria-labelledby="depth-title">
            <Title order={2} size="h4" id="depth-title" mb="xs">Depth</Title>
            {!!book.error && notYet(book.error) && <Text c="dimmed" size="sm">No book for {title} yet.</Text>}
            {!!book.error && !notYet(book.error) && <ErrorNotice error={book.error} title="The book could not be read" />}
            {book.data && <DepthChart bids={bids} asks={asks} label={`Depth of ${title}`} />}
          </Card>
          <Card withBorder padding="sm" component="section" aria-labelledby="trades-title">
            <Title order={2} size="h4" id="trades-title" mb="xs">Recent trades</Title>
            {!!trades.error && notYet(trades.error) && <Text c="dimmed" size="sm">No trade of {title} seen yet.</Text>}
            {!!trades.error && !notYet(trades.error) && <ErrorNotice error={trades.error} title="Trades could not be read" />}
            {trades.data && <TradesTable trades={trades.data} />}
          </Card>
        </div>
        <Card withBorder padding="sm" component="section" aria-labelledby="book-title">
          <Title order={2} size="h4" id="book-title" mb="xs">Book (top {DEPTH})</Title>
          {book.data && <BookTable bids={bids} asks={asks} />}
        </Card>
      </div>
      <div className="market-candles">
        <CandlePanel venue={venue} pair={pair} />
      </div>
    </section>
  );
}
