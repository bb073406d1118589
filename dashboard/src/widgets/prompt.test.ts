import { describe, expect, it } from "vitest";
import type { WidgetState } from "../store/components";
import { armOn, due, findPrompt, promptOf, waiting } from "./prompt";

const prompt = { action: "confirm", when: { component: "weights", field: "awaiting_confirmation" }, show: "weights",
                 title: "Trade towards the new target?" };

function widget(componentId: string, kind: string, spec: Record<string, unknown>, data: unknown, updates: number): WidgetState {
  return { componentId, kind, spec, data, history: [], updated: null, updates };
}

function run(awaiting: boolean, updates: number): Record<string, WidgetState> {
  return {
    controls: widget("controls", "buttons", { field: "action", actions: ["confirm", "pause"], prompt }, null, 0),
    weights: widget("weights", "bar_chart", {}, { current: {}, awaiting_confirmation: awaiting }, updates),
    frontier: widget("frontier", "scatter", {}, {}, 1),
  };
}
const order = ["frontier", "weights", "controls"];

describe("the confirmation prompt a buttons component declares", () => {
  it("is read from the spec, with the component's field and the title", () => {
    const p = promptOf(run(false, 0).controls!);
    expect(p).toEqual({ owner: "controls", field: "action", action: "confirm", component: "weights",
                        flag: "awaiting_confirmation", show: "weights", title: "Trade towards the new target?" });
  });

  it("is found among the run's components; none when no buttons declare one, or one is incomplete", () => {
    expect(findPrompt(run(false, 0), order)?.owner).toBe("controls");
    const broken = { controls: widget("controls", "buttons", { prompt: { action: "confirm" } }, null, 0) };
    expect(findPrompt(broken, ["controls"])).toBeNull();
    const notButtons = { t: widget("t", "table", { prompt }, null, 0) };
    expect(findPrompt(notButtons, ["t"])).toBeNull();
  });

  it("waits while the watched field is true (not merely truthy)", () => {
    const p = findPrompt(run(true, 3), order);
    expect(waiting(p, run(true, 3))).toBe(true);
    expect(waiting(p, run(false, 3))).toBe(false);
    const truthy = run(false, 3);
    truthy.weights = { ...truthy.weights!, data: { awaiting_confirmation: "yes" } };
    expect(waiting(p, truthy)).toBe(false);
  });

  it("opens after a control from this page once a newer update has the field set", () => {
    const before = run(false, 3);
    const p = findPrompt(before, order);
    const armed = armOn(p, "frontier", before);
    expect(armed).toEqual({ updates: 3 });
    expect(due(p, armed, run(false, 4))).toBe(false); // answered, but nothing waits
    expect(due(p, armed, run(true, 4))).toBe(true);
  });

  it("does not open for a proposal that was already there before the control was sent", () => {
    const before = run(true, 3);
    const p = findPrompt(before, order);
    const armed = armOn(p, "custom_weights", before);
    expect(due(p, armed, before)).toBe(false); // no update since
    expect(due(p, armed, run(true, 4))).toBe(true); // the run answered with a (new) proposal
  });

  it("is not armed by the prompt's own component (pause, resume, confirm) nor without a send", () => {
    const state = run(false, 3);
    const p = findPrompt(state, order);
    expect(armOn(p, "controls", state)).toBeNull();
    expect(due(p, null, run(true, 9))).toBe(false);
  });
});
