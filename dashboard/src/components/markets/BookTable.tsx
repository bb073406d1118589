import { Table, Text } from "@mantine/core";
import { useMemo } from "react";
import { sizeShares, type Level } from "./model";

function Side({ side, levels, shares }: { side: "bid" | "ask"; levels: readonly Level[]; shares: number[] }) {
  const name = side === "bid" ? "Bids" : "Asks";
  if (!levels.length) return <Text c="dimmed" size="sm">No {side}s.</Text>;
  return (
    <Table aria-label={name} className={`compact book-side book-${side}`} data-testid={`book-${side}s`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col" className="num">{side === "bid" ? "Bid" : "Ask"}</Table.Th>
          <Table.Th scope="col" className="num">Size</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {levels.map(([price, size], i) => (
          <Table.Tr key={price}>
            <Table.Td className="num mono book-price">{price}</Table.Td>
            <Table.Td className="num mono book-size">
              {/* the bar's width is set through the DOM (CSSOM), which the CSP allows */}
              <span className="book-bar" aria-hidden="true" ref={(el) => { if (el) el.style.width = `${Math.round((shares[i] ?? 0) * 100)}%`; }} />
              <span className="book-size-text">{size}</span>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The top levels of the book, bids and asks side by side (stacked on a phone), each with a bar
 *  proportional to its size. */
export function BookTable({ bids, asks }: { bids: readonly Level[]; asks: readonly Level[] }) {
  const shares = useMemo(() => sizeShares(bids, asks), [bids, asks]);
  return (
    <div className="book-grid" data-testid="book">
      <Side side="bid" levels={bids} shares={shares.bids} />
      <Side side="ask" levels={asks} shares={shares.asks} />
    </div>
  );
}
