import { describe, expect, it } from "vitest";
import { SlidingWindowBudget } from "../../../src/providers/sandbox/budget.js";

const MINUTE = 60_000;

describe("SlidingWindowBudget", () => {
  it("serves `limit` calls in a window and refuses the next", () => {
    const budget = new SlidingWindowBudget(5, MINUTE);

    const served = [0, 1, 2, 3, 4, 5].map((at) => budget.tryTake(at));

    expect(served).toEqual([true, true, true, true, true, false]);
  });

  it("frees a call's slot exactly windowMs after it, not a millisecond sooner", () => {
    const budget = new SlidingWindowBudget(1, MINUTE);
    budget.tryTake(1_000);

    expect(budget.tryTake(1_000 + MINUTE - 1)).toBe(false);
    expect(budget.tryTake(1_000 + MINUTE)).toBe(true);
  });

  it("slides: each slot frees on its own call's schedule, not at a calendar minute", () => {
    const budget = new SlidingWindowBudget(2, MINUTE);
    budget.tryTake(0);
    budget.tryTake(30_000);

    expect(budget.tryTake(59_999)).toBe(false);
    expect(budget.tryTake(60_000)).toBe(true); // the call at 0 left the window
    expect(budget.tryTake(60_001)).toBe(false); // 30 000 and 60 000 are still in it
    expect(budget.tryTake(90_000)).toBe(true); // the call at 30 000 left the window
  });

  it("does not count refused calls, so retrying does not push the next slot back", () => {
    const budget = new SlidingWindowBudget(1, MINUTE);
    budget.tryTake(0);
    for (let at = 1_000; at < MINUTE; at += 1_000) expect(budget.tryTake(at)).toBe(false);

    expect(budget.tryTake(MINUTE)).toBe(true);
  });
});
