import { Alert, Button, Card, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { Amount } from "../../api/types";
import { walletApi } from "../../api/wallets";
import { ErrorNotice } from "../ErrorNotice";
import { clampAmount, rowKey, rowsFromPool, type Row } from "../start/money";
import { buildCreateBody, formatUsd, usdOf } from "./form";
import { PENDING_TEXT, useCommand } from "./useCommand";

const suffix = () => Math.random().toString(16).slice(2, 8);

/** Move funds from the pool into a new wallet set: each amount at most what the pool holds. */
export function NewWalletSetForm({ account, pool, prices, onDone }: {
  account: string; pool: Amount[]; prices: Map<string, number>; onDone: () => void;
}) {
  const [walletSetId, setWalletSetId] = useState(() => `set-${suffix()}`);
  const [runId, setRunId] = useState(() => `manual-${suffix()}`);
  const [rows, setRows] = useState<Row[]>(() => rowsFromPool(pool));
  const [tried, setTried] = useState(false);
  const command = useCommand("ws");
  useEffect(() => setRows((r) => rowsFromPool(pool, r)), [pool]);

  const built = useMemo(() => buildCreateBody({ walletSetId, runId, rows, commandId: "" }), [walletSetId, runId, rows]);
  const setAmount = (key: string, text: string) =>
    setRows((all) => all.map((r) => (rowKey(r) === key ? { ...r, amount: clampAmount(text, r.available, false) } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (built.problems.length) return;
    const { command_id: _none, ...content } = built.body;
    const out = await command.send({ account, ...content },
                                   (key) => walletApi.create(account, { ...content, command_id: key }));
    if (out && out.status !== "pending") {
      setTried(false);
      setRows((all) => all.map((r) => ({ ...r, amount: "" })));
      setWalletSetId(`set-${suffix()}`);
      setRunId(`manual-${suffix()}`);
      onDone();
    }
  };

  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="new-set-title">
      <Title order={3} size="h5" id="new-set-title" mb="xs">New wallet set</Title>
      {rows.length === 0 ? <Text c="dimmed" size="sm">The pool is empty: there is nothing to allocate.</Text> : (
        <form onSubmit={(e) => void submit(e)} aria-label="New wallet set" noValidate>
          <Stack gap="xs">
            <Group grow align="flex-start" wrap="wrap">
              <TextInput label="Wallet set id" value={walletSetId} onChange={(e) => setWalletSetId(e.currentTarget.value)} required />
              <TextInput label="Run id" description="the run this set is for" value={runId}
                         onChange={(e) => setRunId(e.currentTarget.value)} required />
            </Group>
            <div className="table-scroll">
              <Table className="compact" aria-label="Allocations from the pool">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
                    <Table.Th scope="col" className="num">In the pool</Table.Th><Table.Th scope="col">Allocate</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((r) => {
                    const key = rowKey(r);
                    return (
                      <Table.Tr key={key}>
                        <Table.Td>{r.venue}</Table.Td><Table.Td>{r.currency}</Table.Td>
                        <Table.Td className="num mono">{r.available}
                          <Text size="xs" c="dimmed">{formatUsd(usdOf(r.available, r.currency, prices))}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4} wrap="nowrap">
                            <TextInput size="xs" inputMode="decimal" placeholder="0" value={r.amount} className="mono"
                                       aria-label={`Allocate ${r.currency} on ${r.venue}`}
                                       onChange={(e) => setAmount(key, e.currentTarget.value)} />
                            <Button size="compact-xs" variant="subtle" onClick={() => setAmount(key, r.available)}
                                    aria-label={`All of ${r.currency} on ${r.venue}`}>Max</Button>
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </div>
            {tried && built.problems.length > 0 && (
              <Alert color="orange" title="Not sent yet" role="alert">
                <ul className="error-fields">{built.problems.map((p) => <li key={p}>{p}</li>)}</ul>
              </Alert>
            )}
            <ErrorNotice error={command.error} title="The wallet set was not created" />
            {command.outcome?.status === "pending" && <Alert color="yellow" role="status">{PENDING_TEXT}</Alert>}
            {command.outcome && command.outcome.status !== "pending" && !command.error && (
              <Text size="sm" c="green.8" role="status" data-testid="create-outcome">Wallet set created.</Text>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={command.busy}>Create wallet set</Button>
            </Group>
          </Stack>
        </form>
      )}
    </Card>
  );
}
