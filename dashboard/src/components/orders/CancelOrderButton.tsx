import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useRef, useState } from "react";
import { newKey } from "../../api/client";
import { orders, type Order } from "../../api/orders";
import { ErrorNotice } from "../ErrorNotice";
import { normalise } from "../../lib/decimal";

/** Cancel one open order, after a confirmation; the request's key is kept for retries of this dialog. */
export function CancelOrderButton({ account, order, onSent }: {
  account: string; order: Order; onSent: (order: Order) => void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const key = useRef<string | null>(null);

  const ask = () => {
    key.current = newKey("cxl");
    setError(null);
    setOpen(true);
  };
  const confirm = () => {
    setBusy(true);
    setError(null);
    orders.cancel(account, order.order_id, {
      run_id: order.run_id, venue: order.venue, pair: order.pair, command_id: key.current,
    }).then(
      () => {
        setBusy(false);
        setOpen(false);
        onSent(order);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  const what = `${order.side} ${normalise(order.size) ?? order.size} ${order.pair} at ${normalise(order.price) ?? "market"}`;
  return (
    <>
      <Button size="compact-xs" variant="light" color="red" onClick={ask} aria-label={`Cancel order ${order.order_id}`}>
        Cancel
      </Button>
      <Modal opened={open} onClose={() => !busy && setOpen(false)} title="Cancel this order?" centered>
        <Stack gap="sm">
          <Text size="sm">
            {what} on {order.venue} (<span className="mono wrap-anywhere">{order.order_id}</span>). What it has
            filled stays filled; the rest is cancelled and its hold released.
          </Text>
          <ErrorNotice error={error} title="The order was not cancelled" />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setOpen(false)} disabled={busy}>Keep it</Button>
            <Button color="red" onClick={confirm} loading={busy} data-autofocus>Cancel order</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
