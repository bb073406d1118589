import { describe, expect, it } from "vitest";
import { exportHref, type AuditOut } from "../../api/audit";
import { ApiError } from "../../api/errors";
import { auditSearch, emptyText, failureTitle, periodQuery, requestFrom, summaryFacts, utcIso, verdictOf } from "./model";
import { gridOf } from "./ReportTable";

const NOW = new Date("2026-12-07T12:00:00Z");
const q = (s: string) => new URLSearchParams(s);

describe("the page's address as a request", () => {
  it("reads an order's trail from a deep link, and asks for the id without one", () => {
    expect(requestFrom(q("report=order&order=o-1"), NOW, "")).toEqual({ kind: "order", id: "o-1", query: {} });
    expect(requestFrom(q("report=order"), NOW, "")).toBe("Enter an order id.");
    expect(requestFrom(q(""), NOW, "")).toBe("Enter an order id."); // the first tab
    expect(requestFrom(q("report=nonsense&order=o-2"), NOW, "")).toEqual({ kind: "order", id: "o-2", query: {} });
  });

  it("reads a run's timeline, with its log lines when asked", () => {
    expect(requestFrom(q("report=run&run=r-1&logs=true"), NOW, "")).toEqual({ kind: "run", id: "r-1", query: { logs: "true" } });
    expect(requestFrom(q("report=run"), NOW, "")).toBe("Choose a run, or enter its id.");
  });

  it("gives a principal of some accounts its first account when the address names none", () => {
    expect(requestFrom(q("report=ledger"), NOW, "acct-a")).toEqual({ kind: "ledger", id: "", query: { account: "acct-a" } });
    expect(requestFrom(q("report=ledger&account=acct-b"), NOW, "acct-a"))
      .toEqual({ kind: "ledger", id: "", query: { account: "acct-b" } });
    expect(requestFrom(q("report=ledger"), NOW, "")).toEqual({ kind: "ledger", id: "", query: {} }); // every account
    expect(requestFrom(q("report=fills&account=x"), NOW, "acct-a")).toEqual({ kind: "fills", id: "", query: {} });
  });

  it("groups fees by day, account, run and venue unless told otherwise, and names the run as run_id", () => {
    expect(requestFrom(q("report=fees&run=r-9"), NOW, "")).toEqual(
      { kind: "fees", id: "", query: { by: "day,account,run,venue", run_id: "r-9" } });
    expect(requestFrom(q("report=fees&by=pair"), NOW, "")).toEqual({ kind: "fees", id: "", query: { by: "pair" } });
  });

  it("passes each report's own filters only", () => {
    expect(requestFrom(q("report=commands&principal=alice&action=deposit&limit=10&venue=v"), NOW, "")).toEqual(
      { kind: "commands", id: "", query: { principal: "alice", action: "deposit", limit: "10" } });
    expect(requestFrom(q("report=refused&kinds=orders,cancels"), NOW, "")).toEqual(
      { kind: "refused", id: "", query: { kinds: "orders,cancels" } });
    expect(requestFrom(q("report=fills&venue=synthetic&pair=BTC-USD"), NOW, "")).toEqual(
      { kind: "fills", id: "", query: { venue: "synthetic", pair: "BTC-USD" } });
  });

  it("keeps a report's parameters in the address, blank ones left out", () => {
    expect(auditSearch("fills", { venue: " synthetic ", pair: "", order: "o-1" }).toString()).toBe("report=fills&venue=synthetic");
    expect(auditSearch("order", { order: "a b" }).toString()).toBe("report=order&order=a+b");
  });
});

describe("the period", () => {
  it("ends now when relative, is unbounded by default", () => {
    expect(periodQuery(q(""), NOW)).toEqual({});
    expect(periodQuery(q("period=1h"), NOW)).toEqual({ since: "2026-12-07T11:00:00.000Z" });
    expect(periodQuery(q("period=7d"), NOW)).toEqual({ since: "2026-11-30T12:00:00.000Z" });
  });

  it("reads a picker's times as UTC and says what is wrong with a bad one", () => {
    expect(utcIso("2026-12-07T10:00")).toBe("2026-12-07T10:00:00.000Z");
    expect(utcIso("2026-12-07T10:00:00+01:00")).toBe("2026-12-07T09:00:00.000Z");
    expect(periodQuery(q("period=custom&since=2026-12-07T10:00"), NOW)).toEqual({ since: "2026-12-07T10:00:00.000Z" });
    expect(periodQuery(q("period=custom&since=yesterday"), NOW)).toMatch(/"yesterday" is not a time/);
    expect(periodQuery(q("period=custom&since=2026-12-07T10:00&until=2026-12-07T09:00"), NOW))
      .toBe("The period ends before it starts: swap the two times.");
  });
});

describe("downloads", () => {
  it("are the same query with a format, the id escaped in the path", () => {
    expect(exportHref({ kind: "order", id: "a/b c", query: {} }, "csv")).toBe("/audit/orders/a%2Fb%20c?format=csv");
    expect(exportHref({ kind: "ledger", id: "", query: { account: "acct-a", since: "2026-12-07T11:00:00.000Z" } }, "parquet"))
      .toBe("/audit/ledger?account=acct-a&since=2026-12-07T11%3A00%3A00.000Z&format=parquet");
  });
});

const LEDGER_COLUMNS = ["time", "check", "account", "venue", "currency", "wallet", "held by the postings", "in minus out",
  "difference", "event ids"];
const proof = (rows: unknown[][], summary: Record<string, unknown>): AuditOut =>
  ({ title: "Ledger conservation", columns: LEDGER_COLUMNS, rows, summary });

describe("a proof's verdict", () => {
  it("says conserved and how much was checked", () => {
    const v = verdictOf("ledger", proof([], { "postings checked": 1234, "balance changes checked": 50, "instants checked": 7,
                                              verdict: "conserved" }));
    expect(v).toEqual({ proven: true, headline: "Conserved",
                        checked: "1,234 postings, 50 balance changes, 7 instants checked", causes: [] });
  });

  it("lists each break with its cause ids", () => {
    const row = ["2026-12-07T10:00:00.000000Z", "conservation", "acct-a", "synthetic", "USD", "", "10", "9", "1", "e-1, e-2"];
    const v = verdictOf("ledger", proof([row], { "postings checked": 3 }))!;
    expect(v.proven).toBe(false);
    expect(v.headline).toBe("Not conserved: 1 break");
    expect(v.causes).toEqual([{ when: "2026-12-07T10:00:00.000000Z", what: "conservation acct-a synthetic USD", ids: "e-1, e-2" }]);
  });

  it("says no double fill with fills and book versions checked, or each violation's fills", () => {
    const columns = ["time", "venue", "pair", "side", "level", "displayed", "consumed", "fill ids"];
    const summary = { "fills checked": 12, "book versions checked": 340, "levels checked": 5 };
    expect(verdictOf("fills", { title: "No double fill", columns, rows: [], summary })).toMatchObject(
      { proven: true, headline: "No double fill", checked: "12 fills, 340 book versions, 5 levels checked" });
    const broken = verdictOf("fills", { title: "No double fill", columns, summary,
      rows: [["t1", "synthetic", "BTC-USD", "ask", "100", "1", "2", "f-1, f-2"], ["t2", "synthetic", "BTC-USD", "ask", "101", "1", "3", "f-3"]] })!;
    expect(broken.headline).toBe("Double fill: 2 violations");
    expect(broken.causes.map((c) => c.ids)).toEqual(["f-1, f-2", "f-3"]);
  });

  it("is none for a report that proves nothing", () => {
    expect(verdictOf("order", { title: "Order o", columns: ["time"], rows: [], summary: {} })).toBeNull();
  });

  it("leaves the verdict out of the facts, which keep the API's order", () => {
    expect(summaryFacts(proof([], { namespace: "(live)", verdict: "conserved", "postings checked": 1500, note: "" })))
      .toEqual([["namespace", "(live)"], ["postings checked", "1,500"]]);
    expect(emptyText("refused")).toBe("Nothing was refused in this period.");
  });
});

describe("the table's columns", () => {
  it("are as wide as a time and scroll sideways past their least width", () => {
    const { template, minRem } = gridOf(["time", "event", "what"]);
    expect(template).toBe("15.5rem minmax(7rem, 1fr) minmax(18rem, 3fr) 2.25rem");
    expect(minRem).toBeCloseTo(15.5 + 7 + 18 + 2.25 + 3 * 0.75 + 1);
  });
});

describe("a report not answered", () => {
  it("is titled by what the user can do about it", () => {
    expect(failureTitle(new ApiError(403, "this needs the admin role"), "fills")).toBe("Your role may not read this report");
    expect(failureTitle(new ApiError(404, "no order x"), "order")).toMatch(/^No such order in the archive: check the id/);
    expect(failureTitle(new ApiError(503, "the archive cannot be read: locked"), "ledger")).toBe("The archive cannot be read now");
    expect(failureTitle(new ApiError(0, "no answer"), "ledger")).toBe("The report could not be read");
  });
});

describe("a book at a time and over time", () => {
  const now = new Date("2026-12-07T12:00:00Z");
  it("asks for the venue, the pair and the instant, read as UTC", () => {
    expect(requestFrom(new URLSearchParams("report=book&venue=coinbase"), now, "")).toMatch(/venue and the pair/);
    expect(requestFrom(new URLSearchParams("report=book&venue=coinbase&pair=BTC-USD"), now, "")).toMatch(/instant/);
    expect(requestFrom(new URLSearchParams("report=book&venue=coinbase&pair=BTC-USD&at=2026-12-07T10:00"), now, ""))
      .toEqual({ kind: "book", id: "coinbase/BTC-USD", query: { at: "2026-12-07T10:00:00.000Z", depth: "20" } });
    expect(requestFrom(new URLSearchParams("report=book&venue=v&pair=P&at=yesterday"), now, "")).toMatch(/not a time/);
  });
  it("bounds a series by its period, ending now when relative, and refuses an unbounded one", () => {
    expect(requestFrom(new URLSearchParams("report=series&venue=v&pair=BTC-USD&period=1h&every=5m"), now, ""))
      .toEqual({ kind: "series", id: "v/BTC-USD", query: { since: "2026-12-07T11:00:00.000Z",
                                                            until: "2026-12-07T12:00:00.000Z", every: "5m", levels: "10" } });
    expect(requestFrom(new URLSearchParams("report=series&venue=v&pair=BTC-USD"), now, "")).toMatch(/Choose a period/);
  });
  it("downloads from the book's own path, venue and pair escaped", () => {
    const req = { kind: "series" as const, id: "v w/BTC-USD", query: { since: "a", until: "b", every: "1m", levels: "10" } };
    expect(exportHref(req, "csv")).toBe("/audit/books/v%20w/BTC-USD/series?since=a&until=b&every=1m&levels=10&format=csv");
    expect(exportHref({ kind: "book", id: "v/P", query: { at: "t", depth: "5" } }, "parquet"))
      .toBe("/audit/books/v/P?at=t&depth=5&format=parquet");
  });
});
