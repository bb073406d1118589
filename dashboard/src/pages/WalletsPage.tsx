import { Badge, Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import type { Amount, WalletSet } from "../api/types";
import { walletApi, type Valued } from "../api/wallets";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { formatUsd, pricesFrom, totalUsd, usdOf } from "../components/wallets/form";
import { HistoryChart } from "../components/wallets/HistoryChart";
import { NewWalletSetForm } from "../components/wallets/NewWalletSetForm";
import { AdjustButton, DeactivateButton } from "../components/wallets/SetActions";
import "../components/wallets/wallets.css";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { AccountPicker } from "../components/AccountPicker";
import { grantedAccounts, mayTrade, useStore } from "../store/store";

const RELOAD_AFTER_EVENT_MS = 1000; // wallet events come in bursts (a fill moves several legs)


function AmountsTable({ amounts, label, prices }: { amounts: Amount[]; label: string; prices: Map<string, number> }) {
  if (!amounts.length) return <Text c="dimmed" size="sm">Nothing.</Text>;
  return (
    <div className="table-scroll">
      <Table aria-label={label} className="compact" data-testid="pool">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
            <Table.Th scope="col" className="num">Amount</Table.Th><Table.Th scope="col" className="num">≈ USD</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {amounts.map((a) => (
            <Table.Tr key={`${a.venue}/${a.currency}`} data-currency={a.currency} data-amount={a.amount}>
              <Table.Td>{a.venue}</Table.Td><Table.Td>{a.currency}</Table.Td><Table.Td className="num mono">{a.amount}</Table.Td>
              <Table.Td className="num mono">{formatUsd(usdOf(a.amount, a.currency, prices))}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** The account's total per currency with its USD value (from /value), and their sum. */
function ValueTable({ values }: { values: Valued[] }) {
  if (!values.length) return <Text c="dimmed" size="sm">The account holds nothing.</Text>;
  const total = totalUsd(values);
  return (
    <div className="table-scroll">
      <Table aria-label="Value of the account" className="compact" data-testid="account-value">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Currency</Table.Th><Table.Th scope="col" className="num">Total</Table.Th>
            <Table.Th scope="col" className="num">USD</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {values.map((v) => (
            <Table.Tr key={v.currency}>
              <Table.Td>{v.currency}</Table.Td><Table.Td className="num mono">{v.amount}</Table.Td>
              <Table.Td className="num mono">{v.usd === null ? <Text span size="xs" c="dimmed">no price</Text> : formatUsd(Number(v.usd))}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th scope="row" colSpan={2}>All{total.unpriced.length ? ` (without ${total.unpriced.join(", ")})` : ""}</Table.Th>
            <Table.Td className="num mono" data-testid="account-usd">{formatUsd(Number(total.usd))}</Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </div>
  );
}

function WalletSetCard({ set, account, pool, prices, trader, onChanged }: {
  set: WalletSet; account: string; pool: Amount[]; prices: Map<string, number>; trader: boolean; onChanged: () => void;
}) {
  let usd = 0;
  let priced = true;
  for (const b of set.balances) {
    const v = usdOf(b.balance, b.currency, prices);
    if (v === null) priced = false;
    else usd += v;
  }
  return (
    <Card withBorder padding="sm" component="section" aria-label={`Wallet set ${set.wallet_set_id}`} data-testid="wallet-set"
          data-wallet-set={set.wallet_set_id} data-active={set.active}>
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Group gap="xs">
          <Title order={3} size="h5" className="mono wrap-anywhere">{set.wallet_set_id}</Title>
          {set.balances.length > 0 && <Text size="sm" c="dimmed">≈ {formatUsd(usd)}{priced ? "" : " (some unpriced)"}</Text>}
        </Group>
        <Group gap="xs">
          {set.run_id && <Text size="xs" c="dimmed">run <span className="mono">{set.run_id}</span></Text>}
          <Badge variant="light" color={set.active ? "green" : "gray"}>{set.active ? "active" : "inactive"}</Badge>
          {set.open_orders > 0 && <Badge variant="light" color="blue">{set.open_orders} open orders</Badge>}
          {trader && set.active && (
            <>
              <AdjustButton account={account} set={set} pool={pool} onDone={onChanged} />
              <DeactivateButton account={account} set={set} onDone={onChanged} />
            </>
          )}
        </Group>
      </Group>
      {set.balances.length === 0 ? <Text c="dimmed" size="sm">No balances.</Text> : (
        <div className="table-scroll">
          <Table aria-label={`Balances of ${set.wallet_set_id}`} className="compact">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
                <Table.Th scope="col" className="num">Balance</Table.Th><Table.Th scope="col" className="num">Available</Table.Th>
                <Table.Th scope="col" className="num">Hold</Table.Th><Table.Th scope="col" className="num">≈ USD</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {set.balances.map((b) => (
                <Table.Tr key={`${b.venue}/${b.currency}`} data-currency={b.currency}>
                  <Table.Td>{b.venue}</Table.Td><Table.Td>{b.currency}</Table.Td>
                  <Table.Td className="num mono">{b.balance}</Table.Td><Table.Td className="num mono">{b.available}</Table.Td>
                  <Table.Td className="num mono">{b.hold}</Table.Td>
                  <Table.Td className="num mono">{formatUsd(usdOf(b.balance, b.currency, prices))}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Card>
  );
}

/** An account's value, pool (unallocated) and wallet sets, read again (at most once a second) when the
 *  stream reports a movement; a trader creates, adjusts and deactivates sets; the value's history. */
export default function WalletsPage() {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const trader = mayTrade(me);
  const [params, setParams] = useSearchParams();
  const account = params.get("account") ?? (granted && granted.length ? granted[0]! : "");
  const setAccount = (next: string) => setParams(next ? { account: next } : {}, { replace: false });

  const loadWallets = useStore((s) => s.loadWallets);
  const view = useStore((s) => (account ? s.walletViews[account] : undefined));
  const walletsVersion = useStore((s) => s.walletsVersion);
  const [values, setValues] = useState<Valued[]>([]);
  const [valueError, setValueError] = useState<unknown>(null);
  const readAll = useCallback(async () => {
    if (!account) return;
    const value = walletApi.value(account).then((v) => { setValues(v); setValueError(null); }, (e: unknown) => setValueError(e));
    await Promise.all([loadWallets(account), value]);
  }, [account, loadWallets]);
  const load = useLoad(readAll, [readAll]);
  useEffect(() => setValues([]), [account]);

  // Wallet events (movements, holds, fills) change these views: read them again, at most once a second.
  const [seenVersion, setSeenVersion] = useState(walletsVersion);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(walletsVersion);
  latest.current = walletsVersion;
  useEffect(() => {
    if (!account || walletsVersion === seenVersion || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setSeenVersion(latest.current);
      void readAll().catch(() => undefined);
    }, RELOAD_AFTER_EVENT_MS);
  }, [walletsVersion, seenVersion, account, readAll]);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);

  const prices = useMemo(() => pricesFrom(values), [values]);
  const changed = () => void readAll().catch(() => undefined);

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
              <div className="wallets-top">
                <section aria-labelledby="pool-title">
                  <Title order={2} size="h4" id="pool-title">Unallocated pool</Title>
                  <AmountsTable amounts={view.unallocated} label={`Unallocated funds of ${account}`} prices={prices} />
                </section>
                <section aria-labelledby="value-title">
                  <Title order={2} size="h4" id="value-title">Value in USD</Title>
                  <ErrorNotice error={valueError} title="The account's value could not be read" />
                  <ValueTable values={values} />
                </section>
              </div>
              {trader && <NewWalletSetForm account={account} pool={view.unallocated} prices={prices} onDone={changed} />}
              <section aria-labelledby="sets-title">
                <Title order={2} size="h4" id="sets-title">Wallet sets</Title>
                {view.sets.length === 0 ? <Text c="dimmed">No wallet set in {account}.</Text> : (
                  <Stack gap="sm">
                    {[...view.sets].sort((a, b) => Number(b.active) - Number(a.active)).map((s) => (
                      <WalletSetCard key={s.wallet_set_id} set={s} account={account} pool={view.unallocated}
                                     prices={prices} trader={trader} onChanged={changed} />
                    ))}
                  </Stack>
                )}
              </section>
              <section aria-labelledby="history-title">
                <Title order={2} size="h4" id="history-title">History</Title>
                <HistoryChart account={account} sets={view.sets.map((s) => s.wallet_set_id)} version={seenVersion} />
              </section>
              <Text size="xs" c="dimmed">Read {formatTime(view.read)}</Text>
            </>
          )}
        </Stack>
      )}
    </section>
  );
}
