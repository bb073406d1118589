import { Card, Tabs, Text } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { audit, type AuditOut, type ReportKind, type ReportRequest } from "../api/audit";
import { ReportAnswer } from "../components/audit/ReportAnswer";
import { ReportForm } from "../components/audit/ReportForm";
import { auditSearch, failureTitle, isReport, REPORTS, requestFrom } from "../components/audit/model";
import "../components/audit/audit.css";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { grantedAccounts, useStore } from "../store/store";

type Answer =
  | { state: "missing"; why: string }
  | { state: "reading"; request: ReportRequest }
  | { state: "read"; request: ReportRequest; out: AuditOut }
  | { state: "failed"; request: ReportRequest; error: unknown };

/** The audit reports (issue #17) for an operations person and an auditor: pick a report, give its
 *  parameters, read its verdict, summary and rows, download them as CSV or Parquet. The page's address
 *  is the request (/audit?report=order&order=...): a link from an order or a run opens its trail. */
export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const raw = params.get("report");
  const kind: ReportKind = isReport(raw) ? raw : "order";
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const account = granted && granted.length ? granted[0]! : ""; // a scoped principal must name one
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<Answer>({ state: "missing", why: "" });
  const search = params.toString();
  const values = useMemo(() => Object.fromEntries(new URLSearchParams(search)), [search]);

  useEffect(() => {
    const request = requestFrom(new URLSearchParams(search), new Date(), account);
    if (typeof request === "string") {
      setAnswer({ state: "missing", why: request });
      return;
    }
    const abort = new AbortController();
    setAnswer({ state: "reading", request });
    audit.read(request, abort.signal).then(
      (out) => setAnswer({ state: "read", request, out }),
      (error: unknown) => { if (!abort.signal.aborted) setAnswer({ state: "failed", request, error }); },
    );
    return () => abort.abort();
  }, [search, account, attempt]);

  const run = (next: Record<string, string>) => {
    const wanted = auditSearch(kind, next);
    if (wanted.toString() === search) setAttempt((n) => n + 1); // the same question again: read it again
    else setParams(wanted);
  };
  const choose = (next: string | null) => {
    if (isReport(next) && next !== kind) setParams(auditSearch(next, values));
  };

  const body = (
    <div className="audit-layout">
      <Card withBorder padding="sm">
        <ReportForm kind={kind} values={values} busy={answer.state === "reading"}
                    missing={answer.state === "missing" ? answer.why : null} onRun={run} />
      </Card>
      <div aria-live="polite" aria-busy={answer.state === "reading"}>
        {answer.state === "reading" && <Text size="sm" c="dimmed" role="status">Reading the archive…</Text>}
        {answer.state === "failed" && (
          <ErrorNotice error={answer.error} title={failureTitle(answer.error, answer.request.kind)}
                       onRetry={() => setAttempt((n) => n + 1)} />
        )}
        {answer.state === "read" && <ReportAnswer request={answer.request} out={answer.out} />}
      </div>
    </div>
  );
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Audit</span>} />
      <Tabs value={kind} onChange={choose} keepMounted={false}>
        <Tabs.List aria-label="Report" className="audit-tabs" mb="md">
          {REPORTS.map((r) => <Tabs.Tab key={r.kind} value={r.kind}>{r.label}</Tabs.Tab>)}
        </Tabs.List>
        {/* Only the chosen report's panel is mounted (keepMounted false): one form, one answer. */}
        {REPORTS.map((r) => <Tabs.Panel key={r.kind} value={r.kind}>{body}</Tabs.Panel>)}
      </Tabs>
    </section>
  );
}
