import { Table, Text } from "@mantine/core";
import type { Trade } from "../../api/markets";
import { formatTime } from "../../lib/format";
import { formatClock } from "./model";

/** The venue's latest public trades, newest first: time, the taker's side, price, size. */
export function TradesTable({ trades }: { trades: readonly Trade[] }) {
  if (!trades.length) return <Text c="dimmed" size="sm">No trade seen yet.</Text>;
  return (
    <div className="table-scroll trades-scroll">
      <Table aria-label="Recent trades" className="compact" data-testid="trades" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Time</Table.Th>
            <Table.Th scope="col">Side</Table.Th>
            <Table.Th scope="col" className="num">Price</Table.Th>
            <Table.Th scope="col" className="num">Size</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {trades.map((t) => (
            <Table.Tr key={t.trade_id} data-trade={t.trade_id}>
              <Table.Td className="mono" title={formatTime(t.time)}>{formatClock(t.time)}</Table.Td>
              <Table.Td className={t.taker_side === "buy" ? "side-buy" : t.taker_side === "sell" ? "side-sell" : undefined}>
                {t.taker_side ?? "—"}
              </Table.Td>
              <Table.Td className="num mono">{t.price}</Table.Td>
              <Table.Td className="num mono">{t.size}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
