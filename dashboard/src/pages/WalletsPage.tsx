import { Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import type { Amount, WalletSet } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { grantedAccounts, useStore } from "../store/store";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const RELOAD_AFTER_EVENT_MS = 1000; // wallet events come in bursts (a fill moves several legs)

/** The account chooser: the granted accounts, or any account for a principal granted '*'. */
function AccountPicker({ account, onChange }: { account: string; onChange: (account: string) => void }) {
  const me = useStore((s) => s.me);
  const runs = useStore((s) => s.runs);
  const runAccounts = useMemo(
    () => [...new Set(Object.values(runs).map((r) => r.account))].filter((a) => a && a !== "backtest").sort(),
    [runs],
  );
  const granted = grantedAccounts(me);
  const [typed, setTyped] = useState(account);
  useEffect(() => setTyped(account), [account]);
  if (granted !== null) {
    if (granted.length === 0) return <Text c="dimmed">No account is granted to {me?.user}.</Text>;
    return (
      <NativeSelect label="Account" data={granted} value={account || granted[0]}
                    onChange={(e) => onChange(e.currentTarget.value)} className="account-picker" />
    );
  }
  const invalid = typed !== "" && !ID_PATTERN.test(typed);
  // Accounts the runs read so far name, and the API's default account of a paper run.
  const known = [...new Set(["paper", ...runAccounts])].filter((a) => a !== account);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed && !invalid) onChange(typed.trim());
  };
  return (
    <form onSubmit={submit} className="account-picker">
      <Group align="flex-end" gap="xs">
        <TextInput label="Account" description="You may see every account: type its id" value={typed}
                   onChange={(e) => setTyped(e.currentTarget.value)} error={invalid ? "letters, digits and . _ : @ - only" : null} />
        <Button type="submit" disabled={!typed || invalid}>Show</Button>
      </Group>
      {known.length > 0 && (
        <Group gap={6} mt={6} aria-label="Quick picks" role="group">
          <Text size="xs" c="dimmed">Known:</Text>
          {known.map((a) => (
            <Button key={a} size="compact-xs" variant="subtle" onClick={() => onChange(a)}>{a}</Button>
          ))}
        </Group>
      )}
    </form>
  );
}

function AmountsTable({ amounts, label }: { amounts: Amount[]; label: string }) {
  if (!amounts.length) return <Text c="dimmed" size="sm">Nothing.</Text>;
  return (
    <Table aria-label={label} className="compact">
      <Table.Thead>
        <Table.Tr><Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th><Table.Th scope="col" className="num">Amount</Table.Th></Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {amounts.map((a) => (
          <Table.Tr key={`${a.venue}/${a.currency}`}>
            <Table.Td>{a.venue}</Table.Td><Table.Td>{a.currency}</Table.Td><Table.Td className="num mono">{a.amount}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function WalletSetCard({ set }: { set: WalletSet }) {
  return (
    <Card withBorder padding="sm" component="section" aria-label={`Wallet set ${set.wallet_set_id}`} data-testid="wallet-set">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={3} size="h5" className="mono">{set.wallet_set_id}</Title>
        <Group gap="xs">
          {set.run_id && <Text size="xs" c="dimmed">run <span className="mono">{set.run_id}</span></Text>}
          <Badge variant="light" color={set.active ? "green" : "gray"}>{set.active ? "active" : "inactive"}</Badge>
          {set.open_orders > 0 && <Badge variant="light" color="blue">{set.open_orders} open orders</Badge>}
        </Group>
      </Group>
      {set.balances.length === 0 ? <Text c="dimmed" size="sm">No balances.</Text> : (
        <div className="table-scroll">
          <Table aria-label={`Balances of ${set.wallet_set_id}`} className="compact">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
                <Table.Th scope="col" className="num">Balance</Table.Th><Table.Th scope="col" className="num">Available</Table.Th>
                <Table.Th scope="col" className="num">Hold</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {set.balances.map((b) => (
                <Table.Tr key={`${b.venue}/${b.currency}`}>
                  <Table.Td>{b.venue}</Table.Td><Table.Td>{b.currency}</Table.Td>
                  <Table.Td className="num mono">{b.balance}</Table.Td><Table.Td className="num mono">{b.available}</Table.Td>
                  <Table.Td className="num mono">{b.hold}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Card>
  );
}

/** An account's pool (unallocated) and wallet sets; read again when the stream reports a movement.
 *  (Creating, adjusting and deactivating sets, deposits and the history chart come later.) */
export default function WalletsPage() {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const [params, setParams] = useSearchParams();
  const account = params.get("account") ?? (granted && granted.length ? granted[0]! : "");
  const setAccount = (next: string) => setParams(next ? { account: next } : {}, { replace: false });

  const loadWallets = useStore((s) => s.loadWallets);
  const view = useStore((s) => (account ? s.walletViews[account] : undefined));
  const walletsVersion = useStore((s) => s.walletsVersion);
  const load = useLoad(() => (account ? loadWallets(account) : Promise.resolve()), [account, loadWallets]);

  // Wallet events (movements, holds, fills) change these views: read them again, at most once a second.
  const seen = useRef(walletsVersion);
  useEffect(() => {
    if (!account || walletsVersion === seen.current) return;
    const timer = setTimeout(() => {
      seen.current = walletsVersion;
      void loadWallets(account).catch(() => undefined);
    }, RELOAD_AFTER_EVENT_MS);
    return () => clearTimeout(timer);
  }, [walletsVersion, account, loadWallets]);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Wallets</span>}>
        {account && <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>}
      </PageHeader>
      <AccountPicker account={account} onChange={setAccount} />
      {account && (
        <Stack gap="md" mt="md">
          <ErrorNotice error={load.error} onRetry={load.reload} title={`The wallets of ${account} could not be read`} />
          {view && (
            <>
              <section aria-labelledby="pool-title">
                <Title order={2} size="h4" id="pool-title">Unallocated pool</Title>
                <AmountsTable amounts={view.unallocated} label={`Unallocated funds of ${account}`} />
              </section>
              <section aria-labelledby="sets-title">
                <Title order={2} size="h4" id="sets-title">Wallet sets</Title>
                {view.sets.length === 0 ? <Text c="dimmed">No wallet set in {account}.</Text> : (
                  <Stack gap="sm">{view.sets.map((s) => <WalletSetCard key={s.wallet_set_id} set={s} />)}</Stack>
                )}
              </section>
              <Text size="xs" c="dimmed">Read {formatTime(view.read)}</Text>
            </>
          )}
        </Stack>
      )}
    </section>
  );
}
