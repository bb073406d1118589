import { Alert, Anchor, Group, Stack, Text, Title } from "@mantine/core";
import { exportHref, type AuditOut, type ReportRequest } from "../../api/audit";
import { emptyText, summaryFacts, verdictOf, type Verdict } from "./model";
import { ReportTable } from "./ReportTable";

const CAUSES_SHOWN = 10;

/** A proof's verdict, first and large: green when proven, red with each break's cause ids when not. */
export function VerdictBanner({ verdict }: { verdict: Verdict }) {
  return (
    <Alert color={verdict.proven ? "green" : "red"} variant="light" role="status" data-testid="verdict"
           data-proven={verdict.proven}>
      <div className="audit-verdict-headline" data-testid="verdict-headline">{verdict.headline}</div>
      <Text size="sm" data-testid="verdict-checked">{verdict.checked}</Text>
      {verdict.causes.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="xs">Where to look (the events' ids):</Text>
          <ul className="audit-causes" data-testid="verdict-causes">
            {verdict.causes.slice(0, CAUSES_SHOWN).map((c, i) => (
              <li key={i}><Text span size="sm">{c.when} · {c.what}: </Text><span className="mono">{c.ids || "—"}</span></li>
            ))}
          </ul>
          {verdict.causes.length > CAUSES_SHOWN && (
            <Text size="xs">…and {verdict.causes.length - CAUSES_SHOWN} more in the table below.</Text>
          )}
        </>
      )}
    </Alert>
  );
}

/** A report's answer: its verdict (for a proof), what was read and checked, its rows, and the same
 *  query as CSV and Parquet files. */
export function ReportAnswer({ request, out }: { request: ReportRequest; out: AuditOut }) {
  const verdict = verdictOf(request.kind, out);
  const facts = summaryFacts(out);
  return (
    <Stack gap="sm" data-testid="audit-answer" data-report={request.kind}>
      <Group justify="space-between" align="center" wrap="wrap" gap="xs">
        <Title order={2} size="h3" className="wrap-anywhere">{out.title}</Title>
        <Group gap="xs" aria-label="Download">
          <Text size="sm" c="dimmed">Download:</Text>
          <Anchor href={exportHref(request, "csv")} download size="sm" data-testid="download-csv">CSV</Anchor>
          <Anchor href={exportHref(request, "parquet")} download size="sm" data-testid="download-parquet">Parquet</Anchor>
        </Group>
      </Group>
      {verdict && <VerdictBanner verdict={verdict} />}
      {facts.length > 0 && (
        <dl className="audit-facts" aria-label="Summary" data-testid="audit-summary">
          {facts.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        </dl>
      )}
      {out.rows.length === 0
        ? <Text c="dimmed" size="sm" data-testid="audit-empty">{emptyText(request.kind)}</Text>
        : <ReportTable title={out.title} columns={out.columns} rows={out.rows} />}
      <Text size="xs" c="dimmed">{out.rows.length.toLocaleString("en-US")} {out.rows.length === 1 ? "row" : "rows"}.
        Times are UTC; amounts are exact.</Text>
    </Stack>
  );
}
