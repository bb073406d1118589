import { Badge } from "@mantine/core";

const COLOURS: Record<string, string> = {
  running: "green", starting: "blue", requested: "gray", queued: "gray", stopping: "orange",
  stopped: "gray", done: "teal", failed: "red", cancelled: "gray",
};

/** A run's (or a backtest's) state as a badge; its reason, when there is one, as the title. */
export function StateBadge({ state, detail }: { state: string; detail?: string | null }) {
  return (
    <Badge color={COLOURS[state] ?? "gray"} variant="light" title={detail || undefined} data-testid="run-state">
      {state || "unknown"}
    </Badge>
  );
}
