import { Autocomplete, Button, Group, Slider, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { percentOf, shareOf } from "../../lib/decimal";
import { amountProblem, clampAmount, rowKey, addRow, type Row } from "./money";

/**
 * The run's allocation: a row per venue and currency of the account's pool, a slider (a share of what
 * is available) and an input (the amount, as text) that cannot exceed it. When the allocation is
 * deposited first the amounts are free, and currencies the pool lacks can be added.
 */
export function AllocationRows({ rows, onChange, deposit, venues, currencies }: {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  deposit: boolean;
  venues: string[];
  currencies: string[];
}) {
  const set = (key: string, amount: string) =>
    onChange(rows.map((r) => (rowKey(r) === key ? { ...r, amount } : r)));
  const [venue, setVenue] = useState("");
  const [currency, setCurrency] = useState("");

  return (
    <Stack gap="xs">
      {rows.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="pool-empty">
          {deposit ? "The pool holds nothing: add a currency below, it is deposited first."
            : "The account's pool holds nothing to allocate: add funds first."}
        </Text>
      ) : (
        <div className="table-scroll">
          <Table aria-label="Allocation" className="compact start-allocation" data-testid="allocation">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
                <Table.Th scope="col" className="num">Available</Table.Th>
                <Table.Th scope="col">Share</Table.Th><Table.Th scope="col">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => {
                const key = rowKey(r);
                const label = `${r.currency} on ${r.venue}`;
                const problem = amountProblem(r.amount, r.available, deposit);
                const pct = percentOf(r.amount, r.available);
                return (
                  <Table.Tr key={key} data-row={key}>
                    <Table.Td>{r.venue}</Table.Td>
                    <Table.Td>{r.currency}</Table.Td>
                    <Table.Td className="num mono">{r.available}</Table.Td>
                    <Table.Td className="start-share">
                      <Slider min={0} max={100} step={1} value={Math.round(pct)} label={(v) => `${v} %`}
                              disabled={r.available === "0"} thumbLabel={`Share of ${label}`}
                              onChange={(v) => set(key, v === 0 ? "" : shareOf(r.available, v))} />
                    </Table.Td>
                    <Table.Td className="start-amount">
                      <TextInput aria-label={`Amount of ${label}`} value={r.amount} inputMode="decimal"
                                 placeholder="0" autoComplete="off" error={problem}
                                 onChange={(e) => set(key, clampAmount(e.currentTarget.value, r.available, deposit))} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {deposit && (
        <Group align="flex-end" gap="xs" wrap="wrap">
          <Autocomplete label="New venue" data={venues} value={venue} onChange={setVenue} w={160} />
          <Autocomplete label="New currency" data={currencies} value={currency} onChange={setCurrency} w={130} />
          <Button variant="default" disabled={!venue.trim() || !currency.trim()}
                  onClick={() => { onChange(addRow(rows, venue, currency)); setCurrency(""); }}>Add a currency</Button>
        </Group>
      )}
    </Stack>
  );
}
