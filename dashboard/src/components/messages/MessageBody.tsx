import { Badge, Drawer, Group, Text } from "@mantine/core";
import type { RunMessage } from "../../api/messages";
import { readableEvent } from "./model";

/** One message in full: where it is in the log and its event as formatted JSON. */
export function MessageBody({ message, onClose }: { message: RunMessage | null; onClose: () => void }) {
  return (
    <Drawer opened={message !== null} onClose={onClose} position="right" size="lg"
            title={message ? <span className="mono">{message.type}</span> : ""} data-testid="message-drawer">
      {message && (
        <>
          <Group gap="xs" mb="xs" wrap="wrap">
            <Badge variant="light" color={message.direction === "inbox" ? "blue" : "grape"}>
              {message.direction === "inbox" ? "inbox" : "output"}
            </Badge>
            <Text size="sm" className="mono">{message.time}</Text>
          </Group>
          <dl className="facts compact">
            <div><dt>Topic</dt><dd className="mono wrap-anywhere">{message.topic}</dd></div>
            <div><dt>Partition</dt><dd className="mono">{message.partition}</dd></div>
            <div><dt>Offset</dt><dd className="mono">{message.offset}</dd></div>
          </dl>
          <pre className="msg-json mono" data-testid="message-body" tabIndex={0} aria-label="The event as JSON">
            {JSON.stringify(readableEvent(message.event), null, 2)}
          </pre>
        </>
      )}
    </Drawer>
  );
}
