// The Audit page's pure logic: the reports and their parameters, the page's address (a deep link such as
// /audit?report=order&order=abc) turned into the request the API is asked, the period resolved to times,
// and a proof's verdict read from its answer. No I/O, no React: tested in model.test.ts.
import type { AuditOut, ReportKind, ReportRequest } from "../../api/audit";
import { ApiError } from "../../api/errors";

export interface ReportInfo {
  kind: ReportKind;
  label: string;
  /** What it answers, for the person choosing it. */
  about: string;
  /** Only an admin (of every account, for the fills proof) may read it. */
  admin: boolean;
}

export const REPORTS: readonly ReportInfo[] = [
  { kind: "order", label: "Order trail", admin: false,
    about: "One order from request to end: who sent it, the hold, acceptance, each fill with the book level it consumed, settlement, the release of the hold." },
  { kind: "run", label: "Run timeline", admin: false,
    about: "A run's life: start, funding, subscriptions, control messages (who, what), orders, fills, stop and release." },
  { kind: "ledger", label: "Ledger proof", admin: false,
    about: "Per account, venue and currency, at every instant: pool + wallet sets = deposits − withdrawals ± fills − fees; every posting balanced; no balance ever negative." },
  { kind: "fills", label: "No double fill", admin: true,
    about: "At every book level and book version, the size virtual orders consumed never exceeded the displayed size. Reads every account's fills: for an admin of every account." },
  { kind: "fees", label: "Fees", admin: false,
    about: "Fees and turnover of the fills, exact, grouped as you choose." },
  { kind: "commands", label: "Who did what", admin: true,
    about: "Every command with the principal that issued it and when the broker took it, newest first. For an admin." },
  { kind: "refused", label: "Refused", admin: false,
    about: "What was refused and why: orders, wallet commands and cancels the engines turned down, dead letters, balances an exchange reported other than the ledger's." },
  { kind: "book", label: "Book at a time", admin: false,
    about: "A venue's order book as it was at an instant: the best levels of each side, rebuilt from the archived snapshots and deltas, with the book event it reflects." },
  { kind: "series", label: "Book over time", admin: false,
    about: "The book's top at the end of each interval: best bid and ask, mid, spread, and the size shown within the best levels of each side." },
];

export const reportInfo = (kind: ReportKind): ReportInfo => REPORTS.find((r) => r.kind === kind)!;

export const isReport = (v: string | null): v is ReportKind => REPORTS.some((r) => r.kind === v);

export const PERIODS = [
  { value: "all", label: "All time" },
  { value: "1h", label: "Last hour" },
  { value: "1d", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "custom", label: "Between…" },
] as const;
export type Period = (typeof PERIODS)[number]["value"];
const PERIOD_MS: Record<string, number> = { "1h": 3_600_000, "1d": 86_400_000, "7d": 7 * 86_400_000 };

export const FEE_GROUPS = ["day", "account", "run", "venue", "pair"] as const;
export const DEFAULT_FEE_GROUPS = "day,account,run,venue";
export const ACTIONS = ["order", "cancel", "deposit", "withdraw", "create wallet set", "adjust wallet set",
  "release wallet set", "start run", "stop run", "control"] as const;
export const REFUSED_KINDS = ["orders", "commands", "cancels", "dead letters", "discrepancies"] as const;

/** The page's address parameters each report reads (beyond `report`). */
const PARAMS: Record<ReportKind, readonly string[]> = {
  order: ["order"],
  run: ["run", "logs"],
  commands: ["principal", "account", "action", "period", "since", "until", "limit"],
  fees: ["account", "run", "by", "period", "since", "until"],
  ledger: ["account", "period", "since", "until"],
  fills: ["venue", "pair", "period", "since", "until"],
  refused: ["account", "kinds", "period", "since", "until", "limit"],
  book: ["venue", "pair", "at", "depth"],
  series: ["venue", "pair", "period", "since", "until", "every", "levels"],
};

export const EVERY = ["30s", "1m", "5m", "15m", "1h", "1d"] as const;

export const takes = (kind: ReportKind, param: string): boolean => PARAMS[kind].includes(param);

/** The page's address for a report with these parameters (blank ones left out). */
export function auditSearch(kind: ReportKind, values: Record<string, string>): URLSearchParams {
  const out = new URLSearchParams({ report: kind });
  for (const p of PARAMS[kind]) {
    const v = values[p]?.trim();
    if (v) out.set(p, v);
  }
  return out;
}

/** A datetime-local input's value ("2026-12-07T10:00") or an ISO time, read as UTC; null if neither. */
export function utcIso(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(t) ? t : `${t}Z`;
  const d = new Date(zoned);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The period as the API's `since` and `until` (ISO, UTC); a relative one ends `now`. */
export function periodQuery(params: URLSearchParams, now: Date): Record<string, string> | string {
  const period = params.get("period") ?? "all";
  if (period in PERIOD_MS) return { since: new Date(now.getTime() - PERIOD_MS[period]!).toISOString() };
  if (period !== "custom") return {};
  const out: Record<string, string> = {};
  for (const end of ["since", "until"] as const) {
    const text = params.get(end) ?? "";
    if (!text.trim()) continue;
    const iso = utcIso(text);
    if (!iso) return `"${text}" is not a time: use the picker, or write it as 2026-12-07T10:00 (UTC).`;
    out[end] = iso;
  }
  if (out.since && out.until && out.since >= out.until) return "The period ends before it starts: swap the two times.";
  return out;
}

/** The request the page's address stands for, or what is missing, in words; `account` is the account a
 *  principal of some accounts only is given when the address names none (the API needs one). */
export function requestFrom(params: URLSearchParams, now: Date, account: string): ReportRequest | string {
  const raw = params.get("report");
  const kind: ReportKind = isReport(raw) ? raw : "order";
  const get = (p: string) => (params.get(p) ?? "").trim();
  if (kind === "order") return get("order") ? { kind, id: get("order"), query: {} } : "Enter an order id.";
  if (kind === "run") {
    if (!get("run")) return "Choose a run, or enter its id.";
    return { kind, id: get("run"), query: get("logs") === "true" ? { logs: "true" } : {} };
  }
  if (kind === "book" || kind === "series") return bookRequest(kind, params, now);
  const period = periodQuery(params, now);
  if (typeof period === "string") return period;
  const query: Record<string, string> = { ...period };
  const acct = get("account") || account;
  if (takes(kind, "account") && acct) query.account = acct;
  if (kind === "fees") {
    query.by = get("by") || DEFAULT_FEE_GROUPS;
    if (get("run")) query.run_id = get("run");
  }
  for (const p of ["principal", "action", "venue", "pair", "kinds", "limit"]) {
    if (takes(kind, p) && get(p)) query[p] = get(p);
  }
  return { kind, id: "", query };
}

/** A book's request: its venue and pair, and an instant (a book) or a bounded period (a series, which
 *  ends now when the period is relative). */
function bookRequest(kind: "book" | "series", params: URLSearchParams, now: Date): ReportRequest | string {
  const get = (p: string) => (params.get(p) ?? "").trim();
  if (!get("venue") || !get("pair")) return "Enter the venue and the pair (e.g. coinbase, BTC-USD).";
  const id = `${get("venue")}/${get("pair")}`;
  if (kind === "book") {
    if (!get("at")) return "Choose the instant (UTC).";
    const at = utcIso(get("at"));
    if (!at) return `"${get("at")}" is not a time: use the picker, or write it as 2026-12-07T10:00 (UTC).`;
    return { kind, id, query: { at, depth: get("depth") || "20" } };
  }
  const period = periodQuery(params, now);
  if (typeof period === "string") return period;
  if (!period.since) return "Choose a period: a series needs where it starts.";
  return { kind, id, query: { since: period.since, until: period.until ?? now.toISOString(),
                              every: get("every") || "1m", levels: get("levels") || "10" } };
}

export interface Verdict {
  proven: boolean;
  headline: string;
  /** What was checked, in numbers. */
  checked: string;
  /** A broken proof's rows: when and the ids of the events that cause each break. */
  causes: { when: string; what: string; ids: string }[];
}

const count = (summary: Record<string, unknown>, key: string): string => {
  const v = summary[key];
  return typeof v === "number" ? v.toLocaleString("en-US") : String(v ?? "?");
};

/** A proof's verdict (ledger, fills) from its answer; null for the other reports. A proof with rows is
 *  broken: each row is a break, with the ids of its events. */
export function verdictOf(kind: ReportKind, out: AuditOut): Verdict | null {
  const s = out.summary;
  const col = (name: string) => out.columns.indexOf(name);
  const causes = (whatCols: string[], idsCol: string) => out.rows.map((r) => ({
    when: String(r[col("time")] ?? ""),
    what: whatCols.map((c) => r[col(c)]).filter((v) => v !== null && v !== undefined && v !== "").join(" "),
    ids: String(r[col(idsCol)] ?? ""),
  }));
  if (kind === "ledger") {
    const proven = out.rows.length === 0;
    return {
      proven,
      headline: proven ? "Conserved" : `Not conserved: ${out.rows.length} ${out.rows.length === 1 ? "break" : "breaks"}`,
      checked: `${count(s, "postings checked")} postings, ${count(s, "balance changes checked")} balance changes, `
        + `${count(s, "instants checked")} instants checked`,
      causes: proven ? [] : causes(["check", "account", "venue", "currency", "wallet"], "event ids"),
    };
  }
  if (kind === "fills") {
    const proven = out.rows.length === 0;
    return {
      proven,
      headline: proven ? "No double fill" : `Double fill: ${out.rows.length} ${out.rows.length === 1 ? "violation" : "violations"}`,
      checked: `${count(s, "fills checked")} fills, ${count(s, "book versions checked")} book versions, `
        + `${count(s, "levels checked")} levels checked`,
      causes: proven ? [] : causes(["venue", "pair", "side", "level"], "fill ids"),
    };
  }
  return null;
}

/** The summary's facts to list (the verdict is shown on its own). */
export function summaryFacts(out: AuditOut): [string, string][] {
  return Object.entries(out.summary)
    .filter(([k, v]) => k !== "verdict" && v !== null && v !== "")
    .map(([k, v]) => [k, typeof v === "number" ? v.toLocaleString("en-US") : String(v)]);
}

/** What an answer without rows means, per report. */
export function emptyText(kind: ReportKind): string {
  switch (kind) {
    case "commands": return "No command in this period.";
    case "fees": return "No fill in this period: no fee, no turnover.";
    case "refused": return "Nothing was refused in this period.";
    case "ledger": return "No break: nothing to list.";
    case "fills": return "No violation: nothing to list.";
    case "book": return "The book was empty at that instant.";
    case "series": return "No point in this period.";
    default: return "No event.";
  }
}

/** A cell's text: null as a dash, everything else as the API wrote it (amounts are exact text). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** What went wrong when a report was not answered, as a title the user can act on (the API's own
 *  words go under it). */
export function failureTitle(error: unknown, kind: ReportKind): string {
  const status = error instanceof ApiError ? error.status : 0;
  if (status === 403) return "Your role may not read this report";
  if (status === 404) {
    if (kind === "order" || kind === "run") {
      return `No such ${kind} in the archive: check the id (a new ${kind} reaches the archive within seconds)`;
    }
    return kind === "book" || kind === "series"
      ? "No book of this pair then: check the venue and pair, or choose a later time"
      : "Not found";
  }
  if (status === 422) return "The API did not take these parameters";
  if (status === 503) return "The archive cannot be read now";
  return "The report could not be read";
}
