import { Badge, Card, Group, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatTime } from "../lib/format";
import type { WidgetState } from "../store/components";
import type { Control } from "./useControl";
import { str } from "./types";

/** The card around every component: its title, kind and last update; its control's error below it. */
export function WidgetFrame({ widget, control, children }: { widget: WidgetState; control: Control | null; children: ReactNode }) {
  const title = str(widget.spec.title) || widget.componentId;
  const headingId = `component-${widget.componentId}-title`;
  return (
    <Card withBorder padding="sm" radius="md" component="section" className={`widget widget-${widget.kind || "unknown"}`}
          aria-labelledby={headingId} data-testid={`component-${widget.componentId}`} data-kind={widget.kind}>
      <Group justify="space-between" align="baseline" mb="xs" wrap="wrap" gap="xs">
        <Title order={3} size="h5" id={headingId}>{title}</Title>
        <Group gap={6}>
          <Badge size="xs" variant="outline" color="gray">{widget.kind || "undeclared"}</Badge>
          <Text size="xs" c="dimmed" data-testid="component-updated">
            {widget.updated ? `updated ${formatTime(widget.updated)}` : "no data yet"}
          </Text>
        </Group>
      </Group>
      {children}
      {control?.sentAt && !control.error && !control.sending && (
        <Text size="xs" c="dimmed" role="status" mt={4}>Sent to the run at {control.sentAt.toLocaleTimeString()}.</Text>
      )}
      {control?.error != null && <ErrorNotice error={control.error} onRetry={control.retry} title="Not sent" />}
    </Card>
  );
}
