import { describe, expect, it } from "vitest";
import { errorFromResponse, messageOf } from "./errors";

describe("errors in the user's words", () => {
  it("uses the API's detail", () => {
    const e = errorFromResponse(404, { status: "not_found", detail: "no run r9 (yet)" });
    expect(e.message).toBe("no run r9 (yet)");
    expect(e.kind).toBe("not_found");
  });

  it("names a rejected command's reason", () => {
    const e = errorFromResponse(422, { command_id: "c1", status: "rejected", reason: "insufficient_funds",
                                       detail: "needs 10 USD, has 5", events: [] });
    expect(e.message).toBe("Refused (insufficient funds): needs 10 USD, has 5");
    expect(e.reason).toBe("insufficient_funds");
  });

  it("lists each invalid field", () => {
    const e = errorFromResponse(422, { status: "invalid", detail: "amount: bad", errors: [{ field: "amount", message: "bad" }] });
    expect(e.fields).toEqual([{ field: "amount", message: "bad" }]);
  });

  it("says what to do when there is no body, and when retrying", () => {
    expect(errorFromResponse(503, null, new Headers({ "Retry-After": "2" })).retryAfter).toBe(2);
    expect(messageOf(new TypeError("Failed to fetch"))).toMatch(/cannot reach the API/);
  });
});
