// @vitest-environment jsdom
// A report's answer as a person reads it: the verdict of a proof (proven, or broken with the events to
// look at), the summary, the rows (a virtual list, each row in full on demand) and the download links.
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditOut, ReportRequest } from "../../api/audit";
import { ReportAnswer } from "./ReportAnswer";

afterEach(cleanup);

const show = (ui: ReactElement) => render(<MantineProvider>{ui}</MantineProvider>);

const FILL_COLUMNS = ["time", "venue", "pair", "side", "level", "displayed", "consumed", "fill ids"];
const FILLS: ReportRequest = { kind: "fills", id: "", query: { venue: "synthetic" } };

describe("a proof", () => {
  it("proven: says so in green with what was checked, and no table", () => {
    const out: AuditOut = { title: "No double fill", columns: FILL_COLUMNS, rows: [],
      summary: { "fills checked": 4, "book versions checked": 90, "levels checked": 3, violations: 0, verdict: "no double fill" } };
    show(<ReportAnswer request={FILLS} out={out} />);
    const verdict = screen.getByTestId("verdict");
    expect(verdict.getAttribute("data-proven")).toBe("true");
    expect(within(verdict).getByTestId("verdict-headline").textContent).toBe("No double fill");
    expect(within(verdict).getByTestId("verdict-checked").textContent).toBe("4 fills, 90 book versions, 3 levels checked");
    expect(screen.queryByTestId("verdict-causes")).toBeNull();
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByTestId("audit-empty").textContent).toBe("No violation: nothing to list.");
    expect(screen.getByTestId("audit-summary").textContent).not.toContain("verdict");
  });

  it("broken: says so in red with each violation's fill ids, and lists the rows", () => {
    const out: AuditOut = { title: "No double fill", columns: FILL_COLUMNS, summary: { "fills checked": 2, violations: 1 },
      rows: [["2026-12-07T10:00:00.000000Z", "synthetic", "BTC-USD", "ask", "100", "0.5", "0.8", "f-1, f-2"]] };
    show(<ReportAnswer request={FILLS} out={out} />);
    const verdict = screen.getByTestId("verdict");
    expect(verdict.getAttribute("data-proven")).toBe("false");
    expect(within(verdict).getByTestId("verdict-headline").textContent).toBe("Double fill: 1 violation");
    expect(within(verdict).getByTestId("verdict-causes").textContent).toContain("f-1, f-2");
    const table = screen.getByRole("table", { name: "No double fill" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent).slice(0, 8)).toEqual(FILL_COLUMNS);
    expect(within(table).getAllByTestId("audit-row")).toHaveLength(1);
  });
});

describe("a report", () => {
  const trail: AuditOut = { title: "Order o-1", columns: ["time", "event", "who", "what", "event_id", "at"],
    summary: { order_id: "o-1", events: 3, fills: 1 },
    rows: [["t1", "OrderRequested", "alice", "buy 0.01 BTC-USD", "e1", "ledger.journal:0:5"],
           ["t2", "FundsHeld", null, "hold 500 USD", "e2", "ledger.events:0:7"],
           ["t3", "OrderFilled", null, "0.01 at 50000", "e3", "venue.events:0:9"]] };
  const request: ReportRequest = { kind: "order", id: "o-1", query: {} };

  it("lists its rows, no verdict, and links the same query as CSV and Parquet", () => {
    show(<ReportAnswer request={request} out={trail} />);
    expect(screen.queryByTestId("verdict")).toBeNull();
    const rows = screen.getAllByTestId("audit-row");
    expect(rows.map((r) => r.querySelector("[data-column='event']")?.textContent)).toEqual(["OrderRequested", "FundsHeld", "OrderFilled"]);
    expect(rows[1]!.querySelector("[data-column='who']")?.textContent).toBe("—");
    expect(screen.getByTestId("download-csv").getAttribute("href")).toBe("/audit/orders/o-1?format=csv");
    expect(screen.getByTestId("download-parquet").getAttribute("href")).toBe("/audit/orders/o-1?format=parquet");
    expect(screen.getByTestId("audit-summary").textContent).toContain("fills1");
  });

  it("opens a row in full from its button", async () => {
    show(<ReportAnswer request={request} out={trail} />);
    fireEvent.click(screen.getByRole("button", { name: "Row 3 in full" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText("venue.events:0:9")).toBeTruthy();
  });

  it("says what no row means", () => {
    show(<ReportAnswer request={{ kind: "refused", id: "", query: {} }}
                       out={{ title: "Refused", columns: ["time"], rows: [], summary: { refusals: 0 } }} />);
    expect(screen.getByTestId("audit-empty").textContent).toBe("Nothing was refused in this period.");
    expect(screen.queryByRole("table")).toBeNull();
  });
});
