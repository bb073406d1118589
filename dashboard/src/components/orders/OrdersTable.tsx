import { Badge, Button, Group, Table, Text } from "@mantine/core";
import { Fragment, useState, type ReactNode } from "react";
import { Link } from "react-router";
import type { Fill, Order } from "../../api/orders";
import { formatTime } from "../../lib/format";
import { auditOrderPath, runPath } from "../../routes";
import { normalise } from "../../lib/decimal";
import { stateLabel } from "./live";

/** Rows rendered at first and added by each "show more": long lists stay fast. */
export const PAGE_ROWS = 200;

const STATE_COLOURS: Record<string, string> = {
  open: "blue", accepted: "blue", requested: "gray", rejected: "red", filled: "teal", cancelled: "gray",
  expired: "orange", killed: "orange",
};

const amount = (text: string | null | undefined): string => normalise(text) ?? text ?? "—";

function FillsRow({ order, fills, columns }: { order: Order; fills: Fill[]; columns: number }) {
  return (
    <Table.Tr className="order-fills-row">
      <Table.Td colSpan={columns}>
        {fills.length === 0 ? <Text size="sm" c="dimmed">No fill yet.</Text> : (
          <Table aria-label={`Fills of ${order.order_id}`} className="compact" data-testid="order-fills">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Time</Table.Th><Table.Th scope="col" className="num">Price</Table.Th>
                <Table.Th scope="col" className="num">Size</Table.Th><Table.Th scope="col" className="num">Fee</Table.Th>
                <Table.Th scope="col">Liquidity</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fills.map((f) => (
                <Table.Tr key={f.fill_id} data-fill-id={f.fill_id}>
                  <Table.Td className="nowrap">{formatTime(f.time)}</Table.Td>
                  <Table.Td className="num mono">{amount(f.price)}</Table.Td>
                  <Table.Td className="num mono">{amount(f.size)}</Table.Td>
                  <Table.Td className="num mono">{amount(f.fee)} {f.fee_currency}</Table.Td>
                  <Table.Td>{f.liquidity}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** Orders, newest first, each expandable to its fills; at most PAGE_ROWS more rows per "show more". */
export function OrdersTable({ label, orders, fills, action, empty, more }: {
  label: string;
  orders: Order[];
  fills: Map<string, Fill[]>;
  /** A cell at the end of each row (the cancel button), or none. */
  action?: (order: Order) => ReactNode;
  empty: string;
  /** Ask the API for more rows than it gave (finished orders are read a page at a time). */
  more?: () => void;
}) {
  const [shown, setShown] = useState(PAGE_ROWS);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  if (orders.length === 0) return <Text c="dimmed" size="sm">{empty}</Text>;
  const toggle = (id: string) => setExpanded((s) => {
    const next = new Set(s);
    if (!next.delete(id)) next.add(id);
    return next;
  });
  const columns = action ? 11 : 10;
  const visible = orders.slice(0, shown);
  const hidden = orders.length - visible.length;
  return (
    <>
      <div className="table-scroll orders-scroll">
        <Table aria-label={label} className="compact orders-table" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Fills</Table.Th><Table.Th scope="col">Time</Table.Th>
              <Table.Th scope="col">Market</Table.Th><Table.Th scope="col">Side</Table.Th>
              <Table.Th scope="col">Type</Table.Th><Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col" className="num">Filled / size</Table.Th>
              <Table.Th scope="col" className="num">Price</Table.Th><Table.Th scope="col">Run</Table.Th>
              <Table.Th scope="col">Audit</Table.Th>
              {action && <Table.Th scope="col" aria-label="Actions" />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {visible.map((o) => {
              const own = fills.get(o.order_id) ?? [];
              const open = expanded.has(o.order_id);
              const state = stateLabel(o);
              return (
                <Fragment key={o.order_id}>
                  <Table.Tr data-order-id={o.order_id} data-state={state}>
                    <Table.Td>
                      <Button size="compact-xs" variant="subtle" onClick={() => toggle(o.order_id)}
                              aria-expanded={open} aria-label={`${open ? "Hide" : "Show"} fills of ${o.order_id}`}>
                        {open ? "▾" : "▸"} {own.length}
                      </Button>
                    </Table.Td>
                    <Table.Td className="nowrap" title={o.order_id}>{formatTime(o.created)}</Table.Td>
                    <Table.Td className="nowrap">{o.pair} <Text span size="xs" c="dimmed">{o.venue}</Text></Table.Td>
                    <Table.Td><Text span c={o.side === "buy" ? "green.8" : "red.8"} fw={600} size="sm">{o.side}</Text></Table.Td>
                    <Table.Td className="nowrap">{o.type}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={STATE_COLOURS[state] ?? "gray"} data-testid="order-state"
                             title={o.state === "rejected" && o.reason ? o.reason.replaceAll("_", " ") : undefined}>
                        {state}
                      </Badge>
                      {o.state === "rejected" && o.reason && (
                        <Text size="xs" c="red.8" className="order-reason">{o.reason.replaceAll("_", " ")}</Text>
                      )}
                    </Table.Td>
                    <Table.Td className="num mono nowrap" data-testid="order-filled">{amount(o.filled)} / {amount(o.size)}</Table.Td>
                    <Table.Td className="num mono nowrap">
                      {amount(o.price)}
                      {o.avg_price && <Text size="xs" c="dimmed">avg {amount(o.avg_price)}</Text>}
                    </Table.Td>
                    <Table.Td className="mono nowrap"><Link to={runPath(o.run_id)}>{o.run_id}</Link></Table.Td>
                    <Table.Td><Link to={auditOrderPath(o.order_id)} aria-label={`Audit trail of ${o.order_id}`}>trail</Link></Table.Td>
                    {action && <Table.Td>{action(o)}</Table.Td>}
                  </Table.Tr>
                  {open && <FillsRow order={o} fills={own} columns={columns} />}
                </Fragment>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>
      {(hidden > 0 || more) && (
        <Group gap="xs" mt="xs">
          <Text size="xs" c="dimmed">Showing {visible.length} of {orders.length}{more ? "+" : ""}</Text>
          <Button size="compact-xs" variant="default"
                  onClick={() => {
                    setShown((n) => n + PAGE_ROWS);
                    if (hidden <= 0) more?.();
                  }}>
            Show more
          </Button>
        </Group>
      )}
    </>
  );
}
