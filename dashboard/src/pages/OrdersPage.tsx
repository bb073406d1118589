import { Button, Card, Stack, Text, Title } from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import type { Order } from "../api/orders";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { AccountPicker } from "../components/AccountPicker";
import { CancelOrderButton } from "../components/orders/CancelOrderButton";
import { fillsByOrder, stateLabel } from "../components/orders/live";
import { OrdersTable, PAGE_ROWS } from "../components/orders/OrdersTable";
import { PlaceOrderForm } from "../components/orders/PlaceOrderForm";
import { useOrders } from "../components/orders/useOrders";
import "../components/orders/orders.css";
import { formatTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { grantedAccounts, mayTrade, useStore } from "../store/store";

const MAX_DONE = 1000; // the API keeps an account's last 1,000 finished orders
const WALLETS_AFTER_EVENT_MS = 1000;

/** An account's open and recent orders with their fills, live; placing and cancelling by hand. */
export default function OrdersPage() {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const [params, setParams] = useSearchParams();
  const account = params.get("account") ?? (granted && granted.length ? granted[0]! : "");
  return (
    <section aria-labelledby="page-title">
      <AccountOrders key={account} account={account} trader={mayTrade(me)}
                     onAccount={(next) => setParams(next ? { account: next } : {})} />
    </section>
  );
}

function AccountOrders({ account, trader, onAccount }: {
  account: string; trader: boolean; onAccount: (account: string) => void;
}) {
  const [doneLimit, setDoneLimit] = useState(PAGE_ROWS);
  const data = useOrders(account, doneLimit);
  const fills = useMemo(() => fillsByOrder(data.fills), [data.fills]);
  const [cancelled, setCancelled] = useState<Order | null>(null);

  // The form needs the markets (rules, bid/ask) and the account's wallet sets (what it may spend).
  const loadMarkets = useStore((s) => s.loadMarkets);
  const loadWallets = useStore((s) => s.loadWallets);
  const marketMap = useStore((s) => s.markets);
  const markets = useMemo(() => Object.values(marketMap).sort((a, b) =>
    a.venue.localeCompare(b.venue) || a.pair.localeCompare(b.pair)), [marketMap]);
  const view = useStore((s) => (account ? s.walletViews[account] : undefined));
  const setup = useLoad(
    () => (account && trader ? Promise.all([loadMarkets(), loadWallets(account)]) : Promise.resolve()),
    [account, trader, loadMarkets, loadWallets],
  );
  // Holds and fills move the balances the form shows: read them again, at most once a second.
  const walletsVersion = useStore((s) => s.walletsVersion);
  const seen = useRef(walletsVersion);
  useEffect(() => {
    if (!account || !trader || walletsVersion === seen.current) return;
    const timer = setTimeout(() => {
      seen.current = walletsVersion;
      void loadWallets(account).catch(() => undefined);
    }, WALLETS_AFTER_EVENT_MS);
    return () => clearTimeout(timer);
  }, [walletsVersion, account, trader, loadWallets]);

  const refresh = () => {
    data.reload();
    setup.reload();
  };
  const moreDone = data.done.length >= doneLimit && doneLimit < MAX_DONE
    ? () => setDoneLimit((n) => Math.min(MAX_DONE, n + PAGE_ROWS)) : undefined;

  return (
    <>
      <PageHeader title={<span id="page-title">Orders</span>}>
        {account && <Button variant="default" size="xs" onClick={refresh} loading={data.loading}>Refresh</Button>}
      </PageHeader>
      <AccountPicker account={account} onChange={onAccount} />
      {account && (
        <div className={`orders-layout${trader ? " with-form" : ""}`}>
          {trader ? (
            <Card withBorder padding="sm" component="section" aria-labelledby="place-title">
              <Title order={2} size="h4" id="place-title" mb="xs">Place an order</Title>
              <ErrorNotice error={setup.error} onRetry={setup.reload} title="The markets or wallet sets could not be read" />
              {view && (
                <PlaceOrderForm account={account} sets={view.sets} markets={markets} onPlaced={data.reload}
                                refreshMarkets={() => void loadMarkets().catch(() => undefined)} />
              )}
            </Card>
          ) : null}
          <Stack gap="md">
            {!trader && <Text size="sm" c="dimmed">Your role may read orders but not place or cancel them.</Text>}
            <ErrorNotice error={data.error} onRetry={data.reload} title={`The orders of ${account} could not be read`} />
            <div role="status" aria-live="polite" data-testid="cancel-outcome">
              {cancelled && <CancelStatus order={cancelled} open={data.open} done={data.done} />}
            </div>
            <section aria-labelledby="open-title">
              <Title order={2} size="h4" id="open-title" mb="xs">Open orders</Title>
              <OrdersTable label="Open orders" orders={data.open} fills={fills} empty="No open order."
                           action={trader ? (o) => <CancelOrderButton account={account} order={o} onSent={(x) => {
                             setCancelled(x);
                             data.reload();
                           }} /> : undefined} />
            </section>
            <section aria-labelledby="recent-title">
              <Title order={2} size="h4" id="recent-title" mb="xs">Recent orders</Title>
              <OrdersTable label="Recent orders" orders={data.done} fills={fills} empty="No finished order yet."
                           more={moreDone} />
            </section>
            {data.read && <Text size="xs" c="dimmed">Read {formatTime(data.read)}</Text>}
          </Stack>
        </div>
      )}
    </>
  );
}

/** Where a cancel the user asked for stands: waiting for the venue, or the order's final state. */
function CancelStatus({ order, open, done }: { order: Order; open: Order[]; done: Order[] }) {
  const id = <span className="mono wrap-anywhere">{order.order_id}</span>;
  const finished = done.find((o) => o.order_id === order.order_id);
  if (finished) return <Text size="sm">Order {id} is {stateLabel(finished)}.</Text>;
  if (open.some((o) => o.order_id === order.order_id)) {
    return <Text size="sm">Cancel of order {id} requested: waiting for the venue.</Text>;
  }
  return null;
}
