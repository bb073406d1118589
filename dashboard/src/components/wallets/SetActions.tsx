import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMemo, useState } from "react";
import type { Amount, WalletSet } from "../../api/types";
import { walletApi } from "../../api/wallets";
import { ErrorNotice } from "../ErrorNotice";
import { rowKey } from "../start/money";
import { adjustProblem, adjustRows, buildAdjustBody, clampAdjust, type AdjustRow } from "./form";
import { PENDING_TEXT, useCommand } from "./useCommand";

/** Top up or reduce a set in a dialog: positive amounts come from the pool, negative go back to it. */
export function AdjustButton({ account, set, pool, onDone }: {
  account: string; set: WalletSet; pool: Amount[]; onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<AdjustRow[]>([]);
  const [tried, setTried] = useState(false);
  const command = useCommand("adj");
  const built = useMemo(() => buildAdjustBody(rows, ""), [rows]);

  const ask = () => {
    setRows(adjustRows(pool, set));
    setTried(false);
    command.reset();
    setOpen(true);
  };
  const setAmount = (key: string, text: string) =>
    setRows((all) => all.map((r) => (rowKey(r) === key ? { ...r, amount: clampAdjust(text, r) } : r)));
  const confirm = async () => {
    setTried(true);
    if (built.problems.length) return;
    const { allocations } = built.body;
    const out = await command.send({ account, set: set.wallet_set_id, allocations },
                                   (key) => walletApi.adjust(account, set.wallet_set_id, { allocations, command_id: key }));
    if (out && out.status !== "pending") {
      setOpen(false);
      onDone();
    }
  };
  return (
    <>
      <Button size="compact-sm" variant="light" onClick={ask} aria-label={`Adjust ${set.wallet_set_id}`}>Adjust</Button>
      <Modal opened={open} onClose={() => !command.busy && setOpen(false)} title={`Adjust ${set.wallet_set_id}`} centered size="lg">
        <Stack gap="sm">
          <Text size="sm">A positive amount moves funds from the pool into the set; a negative one returns the
            set's free funds (not held by open orders) to the pool.</Text>
          <div className="table-scroll">
            <Table className="compact" aria-label={`Adjustments of ${set.wallet_set_id}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Currency</Table.Th><Table.Th scope="col" className="num">Pool</Table.Th>
                  <Table.Th scope="col" className="num">Free in set</Table.Th><Table.Th scope="col">Change by</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => {
                  const key = rowKey(r);
                  const problem = tried ? adjustProblem(r) : null;
                  return (
                    <Table.Tr key={key}>
                      <Table.Td>{r.currency} <Text span size="xs" c="dimmed">{r.venue}</Text></Table.Td>
                      <Table.Td className="num mono">{r.pool}</Table.Td><Table.Td className="num mono">{r.free}</Table.Td>
                      <Table.Td>
                        <TextInput size="xs" className="mono" placeholder="+0" value={r.amount} error={problem}
                                   aria-label={`Change ${r.currency} on ${r.venue} by`}
                                   onChange={(e) => setAmount(key, e.currentTarget.value)} />
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
          <ErrorNotice error={command.error} title="The set was not adjusted" />
          {command.outcome?.status === "pending" && <Alert color="yellow" role="status">{PENDING_TEXT}</Alert>}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setOpen(false)} disabled={command.busy}>Cancel</Button>
            <Button onClick={() => void confirm()} loading={command.busy}>Apply adjustment</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Deactivate a set after a confirmation: its funds return to the pool (the ledger refuses with open orders). */
export function DeactivateButton({ account, set, onDone }: { account: string; set: WalletSet; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const command = useCommand("deact");
  const ask = () => {
    command.reset();
    setOpen(true);
  };
  const confirm = async () => {
    const out = await command.send({ account, set: set.wallet_set_id },
                                   (key) => walletApi.deactivate(account, set.wallet_set_id, key));
    if (out && out.status !== "pending") {
      setOpen(false);
      onDone();
    }
  };
  return (
    <>
      <Button size="compact-sm" variant="light" color="red" onClick={ask} aria-label={`Deactivate ${set.wallet_set_id}`}>
        Deactivate
      </Button>
      <Modal opened={open} onClose={() => !command.busy && setOpen(false)} title={`Deactivate ${set.wallet_set_id}?`} centered>
        <Stack gap="sm">
          <Text size="sm">Every balance of <span className="mono">{set.wallet_set_id}</span> returns to the pool and
            the set can no longer trade. The ledger refuses while the set has open orders: cancel them first.</Text>
          {set.open_orders > 0 && <Alert color="orange">This set has {set.open_orders} open orders.</Alert>}
          <ErrorNotice error={command.error} title="The set was not deactivated" />
          {command.outcome?.status === "pending" && <Alert color="yellow" role="status">{PENDING_TEXT}</Alert>}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setOpen(false)} disabled={command.busy}>Keep it</Button>
            <Button color="red" onClick={() => void confirm()} loading={command.busy} data-autofocus>Deactivate</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
