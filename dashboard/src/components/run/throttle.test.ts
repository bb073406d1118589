import { describe, expect, it } from "vitest";
import { newestOfRun, throttleDelay } from "./throttle";

describe("reloads of the run's orders and wallet", () => {
  it("wait until the gap since the last one has passed", () => {
    expect(throttleDelay(null, 1000, 500)).toBe(0);
    expect(throttleDelay(1000, 1200, 500)).toBe(300);
    expect(throttleDelay(1000, 1600, 500)).toBe(0);
  });

  it("follow the newest event of the run or its wallet set, ignoring other runs", () => {
    const activity = [
      { type: "OrderFilled", event_id: "b:1", run_id: "other", wallet_set_id: "ws-other" },
      { type: "FundsHeld", event_id: "h:1", wallet_set_id: "ws-mine" },
      { type: "OrderAccepted", event_id: "a:1", run_id: "mine", wallet_set_id: "ws-mine" },
    ];
    expect(newestOfRun(activity, "mine", "ws-mine")).toBe("h:1");
    expect(newestOfRun(activity, "mine", null)).toBe("a:1");
    expect(newestOfRun(activity, "nobody", null)).toBe("");
  });
});
