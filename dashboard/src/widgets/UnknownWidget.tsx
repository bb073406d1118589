import { Code, Text } from "@mantine/core";
import type { WidgetProps } from "./types";

const MAX_CHARS = 4000;

/** A kind the dashboard has no renderer for yet: its spec and data as JSON, so nothing is hidden. */
export function UnknownWidget({ widget }: WidgetProps) {
  const text = JSON.stringify({ spec: widget.spec, data: widget.data }, null, 2);
  return (
    <>
      <Text size="xs" c="dimmed">No renderer for kind “{widget.kind || "(not declared)"}” yet; its JSON:</Text>
      <Code block className="json-block">{text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text}</Code>
    </>
  );
}
