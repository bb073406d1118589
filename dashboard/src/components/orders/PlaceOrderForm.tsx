import { Anchor, Button, Checkbox, Group, NativeSelect, SegmentedControl, Stack, Table, Text, TextInput } from "@mantine/core";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { newKey } from "../../api/client";
import { ApiError } from "../../api/errors";
import { orders, type CommandOut } from "../../api/orders";
import type { Market, WalletSet } from "../../api/types";
import { marketKey } from "../../store/apply";
import { ErrorNotice } from "../ErrorNotice";
import { normalise } from "../../lib/decimal";
import {
  checkOrder, contentOf, keyFor, orderRequest, priceLabel, TYPE_HELP, type OrderForm, type OrderType, type Sent, type Side,
} from "./form";

const TYPES: { value: OrderType; label: string }[] = [
  { value: "limit", label: "Limit" },
  { value: "market", label: "Market (with protection)" },
  { value: "ioc", label: "Immediate or cancel (IOC)" },
  { value: "fok", label: "Fill or kill (FOK)" },
];

/** The price a form starts with: a limit order at its own side's best (it rests), a taker order at the
 *  other side's (it fills) — the user edits it from there. */
export function suggestedPrice(market: Market | undefined, side: Side, type: OrderType): string {
  const book = market?.book;
  if (!book) return "";
  const own = side === "buy" ? book.bid : book.ask;
  const other = side === "buy" ? book.ask : book.bid;
  return normalise(type === "limit" ? own : other) ?? "";
}

/** Whether an error leaves the order's outcome unknown (no answer, or the service failed): a retry
 *  must then reuse its id. */
const outcomeUnknown = (e: unknown): boolean => !(e instanceof ApiError) || e.status === 0 || e.status >= 500;

/** Place an order by hand: wallet set, market, side, type, size, price, post-only, cancel-after. */
export function PlaceOrderForm({ account, sets, markets, onPlaced, refreshMarkets }: {
  account: string;
  sets: WalletSet[];
  markets: Market[];
  onPlaced: () => void;
  refreshMarkets: () => void;
}) {
  const active = useMemo(() => sets.filter((s) => s.active), [sets]);
  const [form, setForm] = useState<OrderForm>({
    walletSetId: "", market: "", side: "buy", type: "limit", size: "", price: "", postOnly: false, cancelAfter: "",
  });
  const [priceTouched, setPriceTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<CommandOut | null>(null);
  const [error, setError] = useState<unknown>(null);
  const last = useRef<Sent | null>(null);

  const set = active.find((s) => s.wallet_set_id === form.walletSetId) ?? active[0];
  const market = markets.find((m) => marketKey(m.venue, m.pair) === form.market) ?? markets[0];
  const check = checkOrder(form, market, set);
  const update = (patch: Partial<OrderForm>) => setForm((f) => ({ ...f, ...patch }));

  // Until the user types a price, the form follows the book of the chosen market, side and type.
  const suggestion = suggestedPrice(market, form.side, form.type);
  useEffect(() => {
    if (!priceTouched && suggestion) setForm((f) => ({ ...f, price: suggestion }));
  }, [priceTouched, suggestion]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (check.blocker || !market || !set || busy) return;
    const body = orderRequest({ ...form, walletSetId: set.wallet_set_id }, market, set, "");
    const content = contentOf(body);
    const key = keyFor(last.current, content, () => newKey("ord"));
    const sent: Sent = { content, key, settled: false };
    last.current = sent;
    setBusy(true);
    setOutcome(null);
    setError(null);
    orders.submit(account, { ...body, order_id: key }).then(
      (answer) => {
        sent.settled = answer.status !== "pending";
        setBusy(false);
        setOutcome(answer);
        onPlaced();
      },
      (err: unknown) => {
        sent.settled = !outcomeUnknown(err);
        setBusy(false);
        setError(err);
        onPlaced(); // a refusal is listed too (state rejected)
      },
    );
  };

  if (active.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No active wallet set in {account}: an order spends from one.{" "}
        <Anchor component={Link} to={`/wallets?account=${encodeURIComponent(account)}`}>See the wallets</Anchor>.
      </Text>
    );
  }
  if (markets.length === 0) return <Text size="sm" c="dimmed">No market is listed yet.</Text>;

  const base = market?.base ?? "";
  const quote = market?.quote ?? "";
  const balances = set && market
    ? set.balances.filter((b) => b.venue === market.venue && (b.currency === base || b.currency === quote))
    : [];
  const shown = (field: keyof OrderForm, text: string) => text.trim() !== "" || field === "cancelAfter";
  const limit = form.type === "limit";
  return (
    <form onSubmit={submit} aria-label="Place an order" className="order-form" noValidate>
      <Stack gap="xs">
        <NativeSelect label="Wallet set" value={set?.wallet_set_id ?? ""}
                      data={active.map((s) => ({ value: s.wallet_set_id, label: `${s.wallet_set_id} (run ${s.run_id})` }))}
                      onChange={(e) => update({ walletSetId: e.currentTarget.value })} error={check.problems.walletSet} />
        <NativeSelect label="Market" value={market ? marketKey(market.venue, market.pair) : ""}
                      data={markets.map((m) => ({ value: marketKey(m.venue, m.pair), label: `${m.pair} · ${m.venue}` }))}
                      onChange={(e) => update({ market: e.currentTarget.value })} error={check.problems.market} />
        {market && (
          <Group gap="xs" wrap="wrap" aria-label="Best prices" role="group">
            <Text size="xs" c="dimmed">
              Bid <span className="mono" data-testid="best-bid">{normalise(market.book?.bid) ?? "—"}</span> · Ask{" "}
              <span className="mono" data-testid="best-ask">{normalise(market.book?.ask) ?? "—"}</span>
              {market.book?.stale ? " (stale)" : ""}
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={refreshMarkets}>Refresh prices</Button>
          </Group>
        )}
        {balances.length > 0 && (
          <Table aria-label="Available in the wallet set" className="compact">
            <Table.Thead>
              <Table.Tr><Table.Th scope="col">Currency</Table.Th><Table.Th scope="col" className="num">Available</Table.Th>
                <Table.Th scope="col" className="num">Hold</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {balances.map((b) => (
                <Table.Tr key={b.currency} data-currency={b.currency}>
                  <Table.Td>{b.currency}</Table.Td>
                  <Table.Td className="num mono" data-testid="available">{normalise(b.available) ?? b.available}</Table.Td>
                  <Table.Td className="num mono">{normalise(b.hold) ?? b.hold}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {set && market && balances.length === 0 && (
          <Text size="xs" c="dimmed">Wallet set {set.wallet_set_id} holds no {base} or {quote} on {market.venue}.</Text>
        )}
        <SegmentedControl fullWidth value={form.side} onChange={(v) => update({ side: v as Side })} aria-label="Side"
                          data={[{ value: "buy", label: "Buy" }, { value: "sell", label: "Sell" }]}
                          color={form.side === "buy" ? "green" : "red"} />
        <NativeSelect label="Type" value={form.type} data={TYPES} description={TYPE_HELP[form.type]}
                      onChange={(e) => update({ type: e.currentTarget.value as OrderType })} />
        <TextInput label={`Size${base ? ` (${base})` : ""}`} value={form.size} inputMode="decimal" autoComplete="off"
                   description={market ? `min ${normalise(market.min_size)}, step ${normalise(market.size_increment)}` : undefined}
                   onChange={(e) => update({ size: e.currentTarget.value })}
                   error={shown("size", form.size) ? check.problems.size : undefined} />
        <TextInput label={`${priceLabel(form.type)}${quote ? ` (${quote})` : ""}`} value={form.price} inputMode="decimal"
                   autoComplete="off"
                   description={form.type === "market" ? "The worst price it may fill at." : market ? `step ${normalise(market.price_increment)}` : undefined}
                   onChange={(e) => { setPriceTouched(true); update({ price: e.currentTarget.value }); }}
                   error={shown("price", form.price) ? check.problems.price : undefined} />
        <Checkbox label="Post-only" checked={limit && form.postOnly} disabled={!limit}
                  description={limit ? "Only adds to the book: done without trading if it would take." : "Limit orders only."}
                  onChange={(e) => update({ postOnly: e.currentTarget.checked })} />
        <TextInput label="Cancel after (seconds)" value={limit ? form.cancelAfter : ""} disabled={!limit} inputMode="numeric"
                   placeholder="never" autoComplete="off"
                   description={limit ? "Cancel what still rests after this long; empty for never." : "Limit orders only."}
                   onChange={(e) => update({ cancelAfter: e.currentTarget.value })}
                   error={limit ? check.problems.cancelAfter : undefined} />
        {check.needs && (
          <Text size="xs" data-testid="order-needs">
            Reserves {check.needs.amount} {check.needs.currency}{form.side === "buy" ? " plus fees" : ""} of{" "}
            {check.needs.available} available.
          </Text>
        )}
        {check.warning && <Text size="sm" c="orange.9" role="note" data-testid="order-warning">{check.warning}</Text>}
        <Group gap="xs" align="center">
          <Button type="submit" loading={busy} disabled={check.blocker !== null}
                  color={form.side === "buy" ? "green" : "red"} aria-describedby={check.blocker ? "place-why" : undefined}>
            {form.side === "buy" ? "Buy" : "Sell"}
          </Button>
          {check.blocker && <Text size="xs" c="dimmed" id="place-why" data-testid="place-why">{check.blocker}</Text>}
        </Group>
        <div role="status" aria-live="polite" data-testid="order-outcome">
          {outcome && <OutcomeText outcome={outcome} />}
        </div>
        <ErrorNotice error={error} title={error instanceof ApiError && error.reason ? "The order was refused" : "The order was not placed"} />
        {error != null && outcomeUnknown(error) && (
          <Text size="xs">Its outcome is not known: press {form.side === "buy" ? "Buy" : "Sell"} again to retry; the same order id is applied once.</Text>
        )}
      </Stack>
    </form>
  );
}

function OutcomeText({ outcome }: { outcome: CommandOut }) {
  const id = <span className="mono wrap-anywhere">{outcome.command_id}</span>;
  if (outcome.status === "accepted") return <Text size="sm" c="green.9">Order {id} accepted: the ledger holds its funds.</Text>;
  if (outcome.status === "duplicate") return <Text size="sm">Order {id} was already placed; nothing changed.</Text>;
  if (outcome.status === "pending") {
    return <Text size="sm" c="orange.9">Order {id} sent; the ledger has not answered yet. Send again to retry: the same id is applied once.</Text>;
  }
  return <Text size="sm">{outcome.detail ?? outcome.status}</Text>;
}
