/**
 * takeSpareToken: the queue processor's way to a budget token, on the real RateLimiter and a fake
 * clock. It waits for a token about to free (before the deadline), never for one the next
 * priority batch needs, and ends a wait at once on stop.
 */
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import type { CallReservation } from "../../../src/services/ports.js";
import { type SpareTokenOptions, takeSpareToken } from "../../../src/services/spare-token.js";
import { FakeClock } from "../../support/fakes.js";

const SECOND = 1000;

/** A limiter of 2 calls per 10 s (no margin) with both spent at t0 + 0 and t0 + 4 s. */
async function spentLimiter() {
  const clock = new FakeClock();
  const t0 = clock.now();
  const budget = new RateLimiter({ limit: 2, windowSeconds: 10, marginMs: 0, clock });
  expect(budget.tryAcquire()).toBe(true);
  await clock.advance(4 * SECOND);
  expect(budget.tryAcquire()).toBe(true);
  await clock.advance(1 * SECOND);
  return { clock, t0, budget };
}

function options(
  base: Pick<SpareTokenOptions, "budget" | "clock">,
  extra: Partial<SpareTokenOptions> = {},
): SpareTokenOptions {
  return { reserve: () => undefined, waitUntilMs: undefined, signal: undefined, ...base, ...extra };
}

describe("takeSpareToken", () => {
  it("takes a free token at once", async () => {
    const clock = new FakeClock();
    const budget = new RateLimiter({ limit: 2, windowSeconds: 10, marginMs: 0, clock });
    await expect(takeSpareToken(options({ budget, clock }))).resolves.toEqual({ taken: true, waitedMs: 0 });
    expect(budget.stats().totalCalls).toBe(1);
  });

  it("waits for a token that frees before the deadline, and takes it the moment it frees", async () => {
    const { clock, t0, budget } = await spentLimiter();
    // t0 + 5 s; the first call frees at t0 + 10 s, the deadline (next tick) is t0 + 12 s.
    const taking = takeSpareToken(options({ budget, clock }, { waitUntilMs: t0 + 12 * SECOND }));
    await clock.advance(4999);
    expect(budget.stats().totalCalls).toBe(2);
    await clock.advance(1);
    await expect(taking).resolves.toEqual({ taken: true, waitedMs: 5 * SECOND });
    expect(budget.stats()).toMatchObject({ totalCalls: 3, currentCalls: 2, totalWaits: 0 });
    expect(clock.now()).toBe(t0 + 10 * SECOND);
  });

  it("gives up at once when the next token frees at or after the deadline", async () => {
    const { clock, t0, budget } = await spentLimiter();
    for (const waitUntilMs of [t0 + 10 * SECOND, t0 + 7 * SECOND, undefined]) {
      await expect(takeSpareToken(options({ budget, clock }, { waitUntilMs }))).resolves.toEqual({
        taken: false,
        waitedMs: 0,
      });
    }
    expect(clock.sleeping).toBe(0);
    expect(budget.stats().totalCalls).toBe(2);
  });

  it("gives up after a wait when a priority batch waits for the token that freed", async () => {
    const { clock, t0, budget } = await spentLimiter();
    const taking = takeSpareToken(options({ budget, clock }, { waitUntilMs: t0 + 12 * SECOND }));
    await clock.advance(0);
    // A priority batch asks for a token first and gets the one freeing at t0 + 10 s.
    const batch = budget.acquire();
    await clock.advance(5 * SECOND);
    await expect(batch).resolves.toBeGreaterThan(0);
    await expect(taking).resolves.toEqual({ taken: false, waitedMs: 5 * SECOND });
    expect(budget.stats().totalCalls).toBe(3);
  });

  it("does not wait for tokens the reservation keeps for the next priority batch", async () => {
    const clock = new FakeClock();
    const budget = new RateLimiter({ limit: 3, windowSeconds: 10, marginMs: 0, clock });
    // A batch needing 2 tokens in 5 s: a token spent now still counts then, so one is spare.
    const reserve = (): CallReservation => ({ count: 2, atMs: clock.now() + 5 * SECOND });
    const extra = { reserve, waitUntilMs: clock.now() + 60 * SECOND };
    await expect(takeSpareToken(options({ budget, clock }, extra))).resolves.toEqual({
      taken: true,
      waitedMs: 0,
    });
    await expect(takeSpareToken(options({ budget, clock }, extra))).resolves.toEqual({
      taken: false,
      waitedMs: 0,
    });
    expect(clock.sleeping).toBe(0);
    expect(budget.remaining()).toBe(2);
  });

  it("asks the reservation again after a wait: a batch that became due meanwhile keeps its tokens", async () => {
    const { clock, t0, budget } = await spentLimiter();
    let reservation: CallReservation | undefined;
    const taking = takeSpareToken(
      options({ budget, clock }, { reserve: () => reservation, waitUntilMs: t0 + 12 * SECOND }),
    );
    await clock.advance(0);
    // The batch's tick came while the queue waited: its 2 tokens are due now.
    reservation = { count: 2, atMs: clock.now() };
    await clock.advance(5 * SECOND);
    await expect(taking).resolves.toEqual({ taken: false, waitedMs: 5 * SECOND });
    expect(budget.stats().totalCalls).toBe(2);
  });

  it("waits out a 429 block that ends before the deadline", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const budget = new RateLimiter({ limit: 5, windowSeconds: 10, marginMs: 0, clock });
    budget.blockUntil(t0 + 3 * SECOND);
    const taking = takeSpareToken(options({ budget, clock }, { waitUntilMs: t0 + 4 * SECOND }));
    await clock.advance(3 * SECOND);
    await expect(taking).resolves.toEqual({ taken: true, waitedMs: 3 * SECOND });
  });

  it("ends a wait at once when the signal aborts (stop), spending nothing", async () => {
    const { clock, t0, budget } = await spentLimiter();
    const stop = new AbortController();
    const taking = takeSpareToken(
      options({ budget, clock }, { waitUntilMs: t0 + 12 * SECOND, signal: stop.signal }),
    );
    await clock.advance(1 * SECOND);
    expect(clock.sleeping).toBe(1);
    stop.abort(new Error("stopping"));
    await expect(taking).resolves.toEqual({ taken: false, waitedMs: 1 * SECOND });
    expect(clock.sleeping).toBe(0);
    expect(budget.stats().totalCalls).toBe(2);
    // An aborted signal takes nothing, even a free token.
    await clock.advance(10 * SECOND);
    await expect(takeSpareToken(options({ budget, clock }, { signal: stop.signal }))).resolves.toEqual({
      taken: false,
      waitedMs: 0,
    });
  });
});
