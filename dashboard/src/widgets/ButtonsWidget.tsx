import { Button, Group, Modal, Text } from "@mantine/core";
import { useState } from "react";
import { usePromptHost } from "./promptHost";
import { str, strings, type WidgetProps } from "./types";

/** One button per action (spec.actions), each sending {[spec.field]: action}. Actions named in
 *  spec.confirm ask first, in a dialog; the action of spec.prompt asks through the page's confirmation
 *  dialog, which shows what it would confirm (widgets/prompt.ts). */
export function ButtonsWidget({ widget, send, sending }: WidgetProps) {
  const field = str(widget.spec.field, "action");
  const actions = strings(widget.spec.actions);
  const needsConfirm = new Set(strings(widget.spec.confirm));
  const [asking, setAsking] = useState<string | null>(null);
  const host = usePromptHost();
  const press = (a: string) => {
    if (host?.ask(widget.componentId, a)) return;
    if (needsConfirm.has(a)) setAsking(a);
    else send?.({ [field]: a });
  };
  if (!actions.length) return <Text c="dimmed" size="sm">No actions declared.</Text>;
  const label = (a: string) => a.charAt(0).toUpperCase() + a.slice(1).replaceAll("_", " ");
  return (
    <>
      <Group gap="xs" role="group" aria-label={str(widget.spec.title) || widget.componentId}>
        {actions.map((a) => (
          <Button key={a} size="sm" variant={a === "confirm" ? "filled" : "light"} disabled={!send || sending}
                  onClick={() => press(a)}>
            {label(a)}
          </Button>
        ))}
      </Group>
      <Modal opened={asking !== null} onClose={() => setAsking(null)} title={asking ? `${label(asking)}?` : ""} centered>
        <Text size="sm" mb="md">This is sent to the run at once.</Text>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={() => setAsking(null)}>Cancel</Button>
          <Button onClick={() => { if (asking) send?.({ [field]: asking }); setAsking(null); }}>
            {asking ? label(asking) : ""}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
