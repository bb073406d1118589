import { Table, Text } from "@mantine/core";
import { formatPercent } from "../../lib/format";
import { formatUsd, type DistributionRow } from "./model";

/** Per venue and currency: the unallocated pool, each active wallet set (one column per run), the
 *  allocated share as a bar, and both in USD where a price is known. */
export function Distribution({ account, rows, setIds, runOf }: {
  account: string; rows: readonly DistributionRow[]; setIds: readonly string[]; runOf: (setId: string) => string;
}) {
  if (!rows.length) return <Text c="dimmed" size="sm">{account} holds nothing yet.</Text>;
  const usd = (v: number | null) => (v === null ? <span title="no price route to USD">—</span> : formatUsd(v));
  return (
    <>
      <Text size="xs" c="dimmed" className="dist-key" aria-hidden="true">
        <span className="dist-legend"><span className="dist-swatch dist-swatch-allocated" /> allocated to runs</span>{" "}
        <span className="dist-legend"><span className="dist-swatch dist-swatch-unallocated" /> unallocated pool</span>
      </Text>
      <div className="table-scroll">
        <Table aria-label={`Funds of ${account}: allocated and unallocated`} className="compact" data-testid="distribution">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Venue</Table.Th>
              <Table.Th scope="col">Currency</Table.Th>
              <Table.Th scope="col" className="num">Unallocated</Table.Th>
              {setIds.map((id) => (
                <Table.Th scope="col" key={id} className="num" title={`wallet set ${id}`}>
                  <span className="mono">{runOf(id) || id}</span>
                </Table.Th>
              ))}
              <Table.Th scope="col">Allocated share</Table.Th>
              <Table.Th scope="col" className="num">Allocated USD</Table.Th>
              <Table.Th scope="col" className="num">Unallocated USD</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.venue}/${r.currency}`} data-currency={r.currency} data-venue={r.venue}>
                <Table.Td>{r.venue}</Table.Td>
                <Table.Td>{r.currency}</Table.Td>
                <Table.Td className="num mono" data-testid="unallocated">{r.unallocated}</Table.Td>
                {setIds.map((id) => <Table.Td key={id} className="num mono">{r.bySet[id] ?? "0"}</Table.Td>)}
                <Table.Td>
                  <div className="dist-bar" role="img" aria-label={`${formatPercent(r.allocatedShare)} allocated`}
                       data-testid="allocated-share" data-share={r.allocatedShare.toFixed(4)}>
                    {/* React sets the width through the DOM (CSSOM), which the CSP allows */}
                    <div className="dist-bar-allocated" style={{ width: `${(r.allocatedShare * 100).toFixed(2)}%` }} />
                  </div>
                  <Text size="xs" c="dimmed">{formatPercent(r.allocatedShare)}</Text>
                </Table.Td>
                <Table.Td className="num mono">{usd(r.usdAllocated)}</Table.Td>
                <Table.Td className="num mono">{usd(r.usdUnallocated)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}
