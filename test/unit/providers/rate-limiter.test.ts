import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { FakeClock, seededRandom } from "../../support/fakes.js";

const SECOND = 1000;

function setup(limit = 5, windowSeconds = 60) {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ limit, windowSeconds, clock });
  return { clock, limiter, t0: clock.now() };
}

/**
 * Issues one acquire at each offset (ms after start, in order) and returns, per request, the
 * offset at which it got its token.
 */
async function grantOffsets(
  limit: number,
  windowSeconds: number,
  requestOffsets: number[],
): Promise<number[]> {
  const { clock, limiter, t0 } = setup(limit, windowSeconds);
  const granted: number[] = [];
  const pending: Promise<void>[] = [];
  for (const [i, offset] of requestOffsets.entries()) {
    await clock.advance(t0 + offset - clock.now());
    pending.push(
      limiter.acquire().then(() => {
        granted[i] = clock.now() - t0;
      }),
    );
  }
  await clock.advance(requestOffsets.length * windowSeconds * SECOND);
  await Promise.all(pending);
  return granted;
}

describe("RateLimiter window (5 calls per 60 s)", () => {
  it.each([
    {
      name: "five at once pass, the sixth waits a full window",
      at: [0, 0, 0, 0, 0, 0],
      granted: [0, 0, 0, 0, 0, 60],
    },
    {
      name: "the sixth waits until the first call leaves",
      at: [0, 10, 20, 30, 40, 45],
      granted: [0, 10, 20, 30, 40, 60],
    },
    { name: "a slot frees exactly at first + window", at: [0, 1, 2, 3, 4, 60], granted: [0, 1, 2, 3, 4, 60] },
    { name: "one ms early still waits", at: [0, 1, 2, 3, 4, 59.999], granted: [0, 1, 2, 3, 4, 60] },
    {
      name: "a burst after a burst is paced by each oldest call",
      at: [0, 0, 5, 5, 5, 5, 5, 5],
      granted: [0, 0, 5, 5, 5, 60, 60, 65],
    },
    {
      name: "calls spread out never wait",
      at: [0, 12, 24, 36, 48, 60, 72],
      granted: [0, 12, 24, 36, 48, 60, 72],
    },
  ])("$name", async ({ at, granted }) => {
    const offsets = await grantOffsets(
      5,
      60,
      at.map((s) => s * SECOND),
    );
    expect(offsets).toEqual(granted.map((s) => s * SECOND));
  });

  it("never lets more than the limit into any window, and wastes no slot, over a long random schedule", async () => {
    const limit = 5;
    const windowMs = 60 * SECOND;
    const random = seededRandom(7);
    const requests: number[] = [];
    let at = 0;
    for (let i = 0; i < 400; i++) {
      // Bursts (gap 0) mixed with pauses up to 40 s.
      at += random() < 0.4 ? 0 : Math.floor(random() * 40 * SECOND);
      requests.push(at);
    }
    const granted = await grantOffsets(limit, 60, requests);

    for (let i = 0; i + limit < granted.length; i++) {
      expect((granted[i + limit] as number) - (granted[i] as number)).toBeGreaterThanOrEqual(windowMs);
    }
    // Exact: each call goes at the earliest moment the window, FIFO order and its request allow.
    const earliest: number[] = [];
    for (const [i, request] of requests.entries()) {
      earliest.push(
        Math.max(request, earliest[i - 1] ?? 0, (earliest[i - limit] ?? Number.NEGATIVE_INFINITY) + windowMs),
      );
    }
    expect(granted).toEqual(earliest);
  });
});

describe("RateLimiter acquire", () => {
  it("returns the milliseconds waited and counts the waits", async () => {
    const { clock, limiter } = setup(2, 10);
    expect(await limiter.acquire()).toBe(0);
    await clock.advance(3 * SECOND);
    expect(await limiter.acquire()).toBe(0);
    const third = limiter.acquire();
    await clock.advance(7 * SECOND);
    expect(await third).toBe(7 * SECOND);
    expect(limiter.stats()).toMatchObject({ totalCalls: 3, totalWaits: 1 });
  });

  it("does not count taking turns behind other acquirers as a wait while slots are free", async () => {
    // A clock that moves 1 ms on every reading: time passes between turns, as on a busy loop.
    let t = 1_000_000;
    const ticking = { now: () => t++, sleep: async () => {} };
    const limiter = new RateLimiter({ limit: 5, windowSeconds: 60, clock: ticking });
    const waited = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waited).toEqual([0, 0, 0]);
    expect(limiter.stats()).toMatchObject({ totalCalls: 3, totalWaits: 0 });
  });

  it("serves concurrent acquirers in arrival order", async () => {
    const { clock, limiter } = setup(1, 10);
    const order: string[] = [];
    const all = ["a", "b", "c", "d"].map((name) => limiter.acquire().then(() => order.push(name)));
    await clock.advance(40 * SECOND);
    await Promise.all(all);
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("an aborted waiter rejects with the signal's reason and spends no token", async () => {
    const { clock, limiter, t0 } = setup(1, 60);
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    let nextAt = 0;
    const next = limiter.acquire().then(() => {
      nextAt = clock.now() - t0;
    });
    await clock.advance(10 * SECOND);
    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await clock.advance(50 * SECOND);
    await next;
    // The slot freed at 60 s went to the waiter behind the aborted one.
    expect(nextAt).toBe(60 * SECOND);
    expect(limiter.stats().totalCalls).toBe(2);
  });

  it("an aborted waiter behind others leaves at once, without waiting for its turn", async () => {
    const { clock, limiter } = setup(1, 60);
    await limiter.acquire();
    const first = limiter.acquire();
    const controller = new AbortController();
    const second = limiter.acquire(controller.signal);
    controller.abort(new Error("gone"));
    await expect(second).rejects.toThrow("gone");
    expect(clock.sleeping).toBe(1);
    await clock.advance(60 * SECOND);
    await first;
    expect(limiter.remaining()).toBe(0);
  });

  it("the waiter behind an aborted one still waits for the waiter ahead of both", async () => {
    const { clock, limiter, t0 } = setup(1, 60);
    await limiter.acquire();
    const grants: Record<string, number> = {};
    const head = limiter.acquire().then(() => {
      grants.head = clock.now() - t0;
    });
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const tail = limiter.acquire().then(() => {
      grants.tail = clock.now() - t0;
    });
    await clock.advance(10 * SECOND);
    controller.abort(new Error("gone"));
    await expect(aborted).rejects.toThrow("gone");
    await clock.advance(0);
    // Only the head waits on the clock; the tail is still in line behind it.
    expect(clock.sleeping).toBe(1);
    await clock.advance(120 * SECOND);
    await Promise.all([head, tail]);
    expect(grants).toEqual({ head: 60 * SECOND, tail: 120 * SECOND });
  });

  it("rejects at once when the signal is already aborted", async () => {
    const { limiter } = setup();
    await expect(limiter.acquire(AbortSignal.abort(new Error("no")))).rejects.toThrow("no");
    expect(limiter.remaining()).toBe(5);
  });
});

describe("RateLimiter blockUntil (the provider answered 429)", () => {
  it("gives no token before the given time, even with calls remaining", async () => {
    const { clock, limiter, t0 } = setup();
    limiter.blockUntil(t0 + 30 * SECOND);
    expect(limiter.remaining()).toBe(0);
    expect(limiter.resetAt.getTime()).toBe(t0 + 30 * SECOND);
    const waited = limiter.acquire();
    await clock.advance(29 * SECOND);
    expect(clock.sleeping).toBe(1);
    await clock.advance(1 * SECOND);
    expect(await waited).toBe(30 * SECOND);
    expect(limiter.remaining()).toBe(4);
  });

  it("a block extended while a caller sleeps holds the caller to the new time", async () => {
    const { clock, limiter, t0 } = setup();
    limiter.blockUntil(t0 + 30 * SECOND);
    const waited = limiter.acquire();
    await clock.advance(10 * SECOND);
    limiter.blockUntil(t0 + 50 * SECOND);
    limiter.blockUntil(t0 + 20 * SECOND); // an earlier time never shortens a block
    await clock.advance(30 * SECOND);
    expect(clock.sleeping).toBe(1);
    await clock.advance(10 * SECOND);
    expect(await waited).toBe(50 * SECOND);
  });
});

describe("RateLimiter stats", () => {
  it("reports calls in the window, remaining calls and when the next slot frees", async () => {
    const { clock, limiter, t0 } = setup(3, 60);
    await limiter.acquire();
    await clock.advance(10 * SECOND);
    await limiter.acquire();
    expect(limiter.stats()).toEqual({
      limit: 3,
      windowSeconds: 60,
      currentCalls: 2,
      remaining: 1,
      resetAt: new Date(t0 + 10 * SECOND),
      totalCalls: 2,
      totalWaits: 0,
    });
    await limiter.acquire();
    expect(limiter.stats()).toMatchObject({
      currentCalls: 3,
      remaining: 0,
      resetAt: new Date(t0 + 60 * SECOND),
    });
    await clock.advance(50 * SECOND);
    expect(limiter.stats()).toMatchObject({
      currentCalls: 2,
      remaining: 1,
      resetAt: new Date(t0 + 60 * SECOND),
    });
  });

  it("rejects a non-positive limit or window", () => {
    const clock = new FakeClock();
    expect(() => new RateLimiter({ limit: 0, windowSeconds: 60, clock })).toThrow(/positive integer/);
    expect(() => new RateLimiter({ limit: 2.5, windowSeconds: 60, clock })).toThrow(/positive integer/);
    expect(() => new RateLimiter({ limit: 5, windowSeconds: 0, clock })).toThrow(/positive seconds/);
  });
});
