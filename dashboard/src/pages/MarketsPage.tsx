import { Anchor, Badge, Button, Table, Text } from "@mantine/core";
import { useEffect, useMemo } from "react";
import { Link } from "react-router";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { formatAge } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { marketPath } from "../routes";
import { marketKey } from "../store/apply";
import { useStore } from "../store/store";

const REFRESH_MS = 5000; // bid and ask are not on the stream (only fresh/stale is): read them again

/** Every listed market: its book fresh or stale (live from the `markets` stream), bid and ask, how long
 *  ago its book last moved, its feed; each pair opens its market page. */
export default function MarketsPage() {
  const loadMarkets = useStore((s) => s.loadMarkets);
  const marketsByKey = useStore((s) => s.markets);
  const notes = useStore((s) => s.marketNotes);
  const load = useLoad(loadMarkets, [loadMarkets]);
  useEffect(() => {
    const timer = setInterval(() => void loadMarkets().catch(() => undefined), REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadMarkets]);
  const markets = useMemo(
    () => Object.values(marketsByKey).sort((a, b) => a.venue.localeCompare(b.venue) || a.pair.localeCompare(b.pair)),
    [marketsByKey],
  );

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Markets</span>}>
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </PageHeader>
      <ErrorNotice error={load.error} onRetry={load.reload} title="Markets could not be read" />
      {!load.loading && !load.error && markets.length === 0 && <Text c="dimmed">No market is listed yet.</Text>}
      {markets.length > 0 && (
        <div className="table-scroll">
          <Table striped aria-label="Markets" data-testid="markets-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Venue</Table.Th>
                <Table.Th scope="col">Pair</Table.Th>
                <Table.Th scope="col">Book</Table.Th>
                <Table.Th scope="col" className="num">Bid</Table.Th>
                <Table.Th scope="col" className="num">Ask</Table.Th>
                <Table.Th scope="col">Last update</Table.Th>
                <Table.Th scope="col">Feed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {markets.map((m) => {
                const key = marketKey(m.venue, m.pair);
                const note = notes[key];
                const stale = m.book ? m.book.stale : true;
                return (
                  <Table.Tr key={key} data-market={key}>
                    <Table.Td>{m.venue}</Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={marketPath(m.venue, m.pair)} aria-label={`${m.pair} on ${m.venue}: book, trades and candles`}>
                        {m.pair}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={stale ? "orange" : "green"} variant="light" data-testid="book-status"
                             title={note?.reason || undefined}>
                        {m.book ? (stale ? "stale" : "fresh") : "no data"}
                      </Badge>
                      {stale && note?.reason && <Text size="xs" c="dimmed">{note.reason}</Text>}
                    </Table.Td>
                    <Table.Td className="num mono">{m.book?.bid ?? "—"}</Table.Td>
                    <Table.Td className="num mono">{m.book?.ask ?? "—"}</Table.Td>
                    <Table.Td>{formatAge(m.book?.last_update_age_s)}</Table.Td>
                    <Table.Td>
                      {m.feed ? <span title={m.feed.detail || undefined}>{m.feed.state}</span> : <Text span c="dimmed">—</Text>}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </section>
  );
}
