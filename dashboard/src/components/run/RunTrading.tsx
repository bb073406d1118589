import { Alert, Anchor, Badge, Button, Group, Table, Text, Title } from "@mantine/core";
import { useCallback, useRef, useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/errors";
import { runData, type Fill, type OrderView, type RunWalletSet } from "../../api/run";
import { formatTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { useStore } from "../../store/store";
import { ErrorNotice } from "../ErrorNotice";
import { newestOfRun, useThrottledReload } from "./throttle";

const RELOAD_GAP_MS = 500; // at most two reads a second while events stream in

interface RunData {
  orders: OrderView[];
  fills: Fill[];
  /** null until the ledger has created the set (the run has just started). */
  wallet: RunWalletSet | null;
}

/** The run's orders, fills and wallet set: read when the page opens, after a stream reset, and again
 *  (throttled) when an order, fill or wallet event of this run arrives. */
function useRunData(account: string, runId: string, walletSetId: string | null, funded: boolean) {
  const [data, setData] = useState<RunData | null>(null);
  const [quietError, setQuietError] = useState<unknown>(null);
  const generation = useRef(0);
  const read = useCallback(async () => {
    const mine = ++generation.current;
    const [orders, fills, wallet] = await Promise.all([
      runData.orders(account, runId),
      runData.fills(account, runId),
      walletSetId && funded
        ? runData.walletSet(account, walletSetId).catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        })
        : Promise.resolve(null),
    ]);
    if (mine === generation.current) setData({ orders, fills, wallet });
  }, [account, runId, walletSetId, funded]);
  const load = useLoad(read, [read]);
  const quiet = useCallback(() => {
    read().then(() => setQuietError(null), (e: unknown) => setQuietError(e));
  }, [read]);
  const activityKey = useStore((s) => newestOfRun(s.activity, runId, walletSetId));
  const walletsVersion = useStore((s) => s.walletsVersion);
  useThrottledReload(quiet, `${activityKey}|${walletsVersion}`, RELOAD_GAP_MS);
  return { data, load, error: load.error ?? quietError };
}

function OrdersTable({ orders, fills }: { orders: OrderView[]; fills: Fill[] }) {
  const fillCount = new Map<string, number>();
  for (const f of fills) fillCount.set(f.order_id, (fillCount.get(f.order_id) ?? 0) + 1);
  if (!orders.length) return <Text c="dimmed" size="sm">No orders yet.</Text>;
  return (
    <div className="table-scroll log-scroll">
      <Table striped className="compact" aria-label="Run orders" data-testid="run-orders">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Created</Table.Th><Table.Th scope="col">Market</Table.Th>
            <Table.Th scope="col">Side</Table.Th><Table.Th scope="col">Type</Table.Th>
            <Table.Th scope="col" className="num">Size</Table.Th><Table.Th scope="col" className="num">Limit</Table.Th>
            <Table.Th scope="col" className="num">Filled</Table.Th><Table.Th scope="col" className="num">Avg price</Table.Th>
            <Table.Th scope="col" className="num">Fills</Table.Th><Table.Th scope="col">State</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {orders.map((o) => (
            <Table.Tr key={o.order_id} data-order-id={o.order_id} data-state={o.state}>
              <Table.Td className="nowrap" title={o.order_id}>{formatTime(o.created)}</Table.Td>
              <Table.Td className="nowrap">{o.pair} <Text span size="xs" c="dimmed">{o.venue}</Text></Table.Td>
              <Table.Td>{o.side}</Table.Td><Table.Td>{o.type}</Table.Td>
              <Table.Td className="num mono">{o.size}</Table.Td><Table.Td className="num mono">{o.price ?? "—"}</Table.Td>
              <Table.Td className="num mono">{o.filled}</Table.Td><Table.Td className="num mono">{o.avg_price ?? "—"}</Table.Td>
              <Table.Td className="num">{fillCount.get(o.order_id) ?? 0}</Table.Td>
              <Table.Td className="wrap-anywhere">{o.state}{o.reason ? `: ${o.reason}` : ""}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function FillsTable({ fills }: { fills: Fill[] }) {
  if (!fills.length) return <Text c="dimmed" size="sm">No fills yet.</Text>;
  return (
    <div className="table-scroll log-scroll">
      <Table striped className="compact" aria-label="Run fills" data-testid="run-fills">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Time</Table.Th><Table.Th scope="col">Market</Table.Th><Table.Th scope="col">Side</Table.Th>
            <Table.Th scope="col" className="num">Price</Table.Th><Table.Th scope="col" className="num">Size</Table.Th>
            <Table.Th scope="col" className="num">Fee</Table.Th><Table.Th scope="col">Liquidity</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {fills.map((f) => (
            <Table.Tr key={f.fill_id} title={f.order_id}>
              <Table.Td className="nowrap">{formatTime(f.time)}</Table.Td>
              <Table.Td className="nowrap">{f.pair} <Text span size="xs" c="dimmed">{f.venue}</Text></Table.Td>
              <Table.Td>{f.side}</Table.Td>
              <Table.Td className="num mono">{f.price}</Table.Td><Table.Td className="num mono">{f.size}</Table.Td>
              <Table.Td className="num mono">{f.fee} {f.fee_currency}</Table.Td><Table.Td>{f.liquidity}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function WalletSetView({ account, set, walletSetId }: { account: string; set: RunWalletSet | null; walletSetId: string }) {
  if (!set) return <Text c="dimmed" size="sm">The ledger has not created wallet set <span className="mono">{walletSetId}</span> yet.</Text>;
  return (
    <>
      <Group gap="xs" mb="xs">
        <Text size="sm" className="mono">{set.wallet_set_id}</Text>
        <Badge variant="light" color={set.active ? "green" : "gray"} data-testid="wallet-set-state">
          {set.active ? "active" : "released"}
        </Badge>
        {set.open_orders > 0 && <Badge variant="light" color="blue">{set.open_orders} open orders</Badge>}
      </Group>
      {!set.active && (
        <Alert color="teal" title="Released" mb="xs" data-testid="wallet-released">
          <Text size="sm">
            This wallet set is deactivated: its funds went back to the account's unallocated pool.{" "}
            <Anchor component={Link} to={`/wallets?account=${encodeURIComponent(account)}`}>See the pool</Anchor>
          </Text>
        </Alert>
      )}
      {set.balances.length === 0 ? <Text c="dimmed" size="sm">No balances.</Text> : (
        <div className="table-scroll">
          <Table className="compact" aria-label="Run wallet" data-testid="run-wallet">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Venue</Table.Th><Table.Th scope="col">Currency</Table.Th>
                <Table.Th scope="col" className="num">Balance</Table.Th><Table.Th scope="col" className="num">Available</Table.Th>
                <Table.Th scope="col" className="num">Hold</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {set.balances.map((b) => (
                <Table.Tr key={`${b.venue}/${b.currency}`} data-currency={b.currency}>
                  <Table.Td>{b.venue}</Table.Td><Table.Td>{b.currency}</Table.Td>
                  <Table.Td className="num mono">{b.balance}</Table.Td><Table.Td className="num mono">{b.available}</Table.Td>
                  <Table.Td className="num mono">{b.hold}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </>
  );
}

/** Below a run's components: its wallet set, its orders (with how many fills each) and its fills, live.
 *  The wallet set is read once the run is past starting (funded): before, it may not exist yet. */
export function RunTrading({ account, runId, walletSetId, funded }: {
  account: string; runId: string; walletSetId: string | null; funded: boolean;
}) {
  const { data, load, error } = useRunData(account, runId, walletSetId, funded);
  return (
    <section aria-labelledby="run-trading-title" className="run-trading">
      <Group justify="space-between" align="baseline" mt="lg" mb="xs">
        <Title order={2} size="h4" id="run-trading-title">Wallet, orders and fills</Title>
        <Button variant="default" size="xs" onClick={load.reload} loading={load.loading}>Refresh</Button>
      </Group>
      <ErrorNotice error={error} onRetry={load.reload} title="The run's orders or wallet could not be read" />
      {data && (
        <>
          <Title order={3} size="h5" mb={4}>Wallet set</Title>
          {walletSetId ? <WalletSetView account={account} set={data.wallet} walletSetId={walletSetId} />
            : <Text c="dimmed" size="sm">This run has no wallet set.</Text>}
          <Title order={3} size="h5" mt="md" mb={4}>Orders ({data.orders.length})</Title>
          <OrdersTable orders={data.orders} fills={data.fills} />
          <Title order={3} size="h5" mt="md" mb={4}>Fills ({data.fills.length})</Title>
          <FillsTable fills={data.fills} />
        </>
      )}
    </section>
  );
}
