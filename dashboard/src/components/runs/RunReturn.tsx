import { Text, Tooltip } from "@mantine/core";
import type { RunSummary } from "../../api/types";
import { formatPercent } from "../../lib/format";

type Performance = NonNullable<RunSummary["performance"]>;

/** What the tooltip says a run's figures are, in words (the API's RunPerformanceOut). */
export function performanceText(p: Performance): string {
  const basis = p.basis === "report"
    ? "from its report, start to end"
    : "its wallet set now against what it was given, both at the latest mids (trading only, not price moves)";
  const parts = [`equity ${p.equity_usd ?? "—"} USD`, `started with ${p.start_usd ?? "—"} USD`];
  if (p.max_drawdown != null) parts.push(`max drawdown ${formatPercent(-p.max_drawdown)}`);
  return `${parts.join(", ")}: ${basis}`;
}

/** A run's return with its sign in colour and its figures in a tooltip; "—" when it cannot be valued. */
export function RunReturn({ performance }: { performance: RunSummary["performance"] }) {
  if (performance == null || performance.total_return == null) {
    return <Text span c="dimmed" title="not valued yet (not funded, released, or a currency without a price)">—</Text>;
  }
  const r = performance.total_return;
  const sign = r > 0 ? "+" : "";
  return (
    <Tooltip label={performanceText(performance)} multiline w={280} withArrow events={{ hover: true, focus: true, touch: true }}>
      <Text span tabIndex={0} c={r > 0 ? "teal.8" : r < 0 ? "red.8" : undefined} fw={500}
            data-testid="run-return" aria-label={`return ${sign}${formatPercent(r, 2)}; ${performanceText(performance)}`}>
        {sign}{formatPercent(r, 2)}
      </Text>
    </Tooltip>
  );
}
