import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { FakeClock, seededRandom, settle } from "../../support/fakes.js";

const SECOND = 1000;

/** Most tests pin the window exactly (no margin); the margin has tests of its own. */
function setup(limit = 5, windowSeconds = 60, marginMs = 0) {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ limit, windowSeconds, marginMs, clock });
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
  marginMs = 0,
): Promise<number[]> {
  const { clock, limiter, t0 } = setup(limit, windowSeconds, marginMs);
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

describe("RateLimiter margin (default 250 ms)", () => {
  it.each([
    {
      name: "five at once pass, the sixth waits the window plus the margin",
      at: [0, 0, 0, 0, 0, 0],
      granted: [0, 0, 0, 0, 0, 60_250],
    },
    {
      name: "a call at first + window waits the margin",
      at: [0, 1, 2, 3, 4, 60_000],
      granted: [0, 1, 2, 3, 4, 60_250],
    },
    {
      name: "one ms before window + margin still waits",
      at: [0, 1, 2, 3, 4, 60_249],
      granted: [0, 1, 2, 3, 4, 60_250],
    },
    {
      name: "a slot frees exactly at first + window + margin",
      at: [0, 1, 2, 3, 4, 60_250],
      granted: [0, 1, 2, 3, 4, 60_250],
    },
    {
      name: "a long burst is paced by window + margin per slot",
      at: [0, 0, 0, 0, 0, 0, 0],
      granted: [0, 0, 0, 0, 0, 60_250, 60_250],
    },
  ])("$name", async ({ at, granted }) => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ limit: 5, windowSeconds: 60, clock });
    expect(limiter.marginMs).toBe(250);
    const t0 = clock.now();
    const offsets: number[] = [];
    const pending: Promise<void>[] = [];
    for (const [i, offset] of at.entries()) {
      await clock.advance(t0 + offset - clock.now());
      pending.push(
        limiter.acquire().then(() => {
          offsets[i] = clock.now() - t0;
        }),
      );
    }
    await clock.advance(200_000);
    await Promise.all(pending);
    expect(offsets).toEqual(granted);
  });

  it("keeps a call in remaining() and stats() for the window plus the margin", async () => {
    const { clock, limiter, t0 } = setup(1, 60, 500);
    await limiter.acquire();
    await clock.advance(60_000);
    expect(limiter.stats()).toMatchObject({ currentCalls: 1, remaining: 0, resetAt: new Date(t0 + 60_500) });
    await clock.advance(500);
    expect(limiter.stats()).toMatchObject({ currentCalls: 0, remaining: 1, windowSeconds: 60 });
  });

  it("never lets more than the limit into any window seen `margin` late, whatever each call's delay", async () => {
    // Each call reaches the provider 0..margin ms after its token: the provider's window must hold.
    const limit = 5;
    const windowMs = 6 * SECOND;
    const marginMs = 250;
    const random = seededRandom(11);
    const requests: number[] = [];
    let at = 0;
    for (let i = 0; i < 200; i++) {
      at += random() < 0.5 ? 0 : Math.floor(random() * 3 * SECOND);
      requests.push(at);
    }
    const granted = await grantOffsets(limit, 6, requests, marginMs);
    const arrivals = granted.map((t) => t + Math.floor(random() * (marginMs + 1))).sort((a, b) => a - b);
    for (let i = 0; i + limit < arrivals.length; i++) {
      expect((arrivals[i + limit] as number) - (arrivals[i] as number)).toBeGreaterThanOrEqual(windowMs);
    }
  });

  it("rejects a negative margin", () => {
    const clock = new FakeClock();
    expect(() => new RateLimiter({ limit: 5, windowSeconds: 60, marginMs: -1, clock })).toThrow(/margin/);
  });
});

describe("RateLimiter tryAcquire", () => {
  /** A limiter of 5 per 10 s (margin 1 s) with calls spent at the given offsets (ms), now at `nowAt`. */
  async function limiterWith(callsAt: number[], nowAt: number) {
    const { clock, limiter, t0 } = setup(5, 10, SECOND);
    for (const at of callsAt) {
      await clock.advance(t0 + at - clock.now());
      expect(limiter.tryAcquire()).toBe(true);
    }
    await clock.advance(t0 + nowAt - clock.now());
    return { clock, limiter, t0 };
  }

  it.each([
    { name: "a free budget", calls: [], now: 0, reserve: undefined, taken: true },
    { name: "four spent leaves one", calls: [0, 0, 0, 0], now: 0, reserve: undefined, taken: true },
    { name: "five spent leaves none", calls: [0, 0, 0, 0, 0], now: 5000, reserve: undefined, taken: false },
    {
      name: "a call counts until window + margin",
      calls: [0, 0, 0, 0, 0],
      now: 10_999,
      reserve: undefined,
      taken: false,
    },
    { name: "and no longer", calls: [0, 0, 0, 0, 0], now: 11_000, reserve: undefined, taken: true },
    // Reserving 3 of 5: the calls still counted at `atMs`, plus this one, may be 2 at most.
    { name: "reserve: nothing spent", calls: [], now: 0, reserve: { count: 3, at: 5000 }, taken: true },
    {
      name: "reserve: one spent, counted at atMs",
      calls: [0],
      now: 0,
      reserve: { count: 3, at: 5000 },
      taken: true,
    },
    {
      name: "reserve: two spent, counted at atMs",
      calls: [0, 0],
      now: 0,
      reserve: { count: 3, at: 5000 },
      taken: false,
    },
    {
      name: "reserve: two spent, gone at atMs",
      calls: [0, 0],
      now: 0,
      reserve: { count: 3, at: 11_000 },
      taken: true,
    },
    {
      name: "reserve: two spent, still counted 1 ms before they leave",
      calls: [0, 0],
      now: 0,
      reserve: { count: 3, at: 10_999 },
      taken: false,
    },
    {
      name: "reserve: the new call itself still counts at atMs",
      calls: [0, 0, 0, 0],
      now: 1000,
      reserve: { count: 5, at: 11_999 },
      taken: false,
    },
    {
      name: "reserve: the new call itself is gone at atMs",
      calls: [0, 0, 0, 0],
      now: 1000,
      reserve: { count: 5, at: 12_000 },
      taken: true,
    },
    {
      name: "reserve: a past atMs means now",
      calls: [0, 0],
      now: 0,
      reserve: { count: 3, at: -60_000 },
      taken: false,
    },
    {
      name: "reserve: more than the limit is never left",
      calls: [],
      now: 0,
      reserve: { count: 6, at: 60_000 },
      taken: false,
    },
    {
      name: "reserve: zero reserves nothing",
      calls: [0, 0, 0, 0],
      now: 0,
      reserve: { count: 0, at: 0 },
      taken: true,
    },
    {
      name: "reserve: needs a token free now too",
      calls: [0, 0, 0, 0, 0],
      now: 1,
      reserve: { count: 0, at: 60_000 },
      taken: false,
    },
  ])("$name", async ({ calls, now, reserve, taken }) => {
    const { limiter, t0 } = await limiterWith(calls, now);
    const before = limiter.stats();
    const reservation = reserve && { count: reserve.count, atMs: t0 + reserve.at };
    expect(limiter.tryAcquire(reservation)).toBe(taken);
    const after = limiter.stats();
    expect(after.totalCalls - before.totalCalls).toBe(taken ? 1 : 0);
    expect(after.totalWaits).toBe(0);
  });

  it("leaves exactly `count` tokens at `atMs` however often it is asked", async () => {
    const { clock, limiter, t0 } = setup(5, 60, 250);
    const reserve = { count: 3, atMs: t0 + 30 * SECOND };
    let taken = 0;
    for (let i = 0; i < 10; i++) if (limiter.tryAcquire(reserve)) taken += 1;
    expect(taken).toBe(2);
    // At atMs the reserved calls go without waiting.
    await clock.advance(30 * SECOND);
    const waits = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waits).toEqual([0, 0, 0]);
  });

  it("never takes a token from under an acquire() still waiting for it", async () => {
    // A clock whose sleeps end only when told: time may pass a free slot before the waiter wakes,
    // as when a real timer fires late.
    let now = 1_000_000;
    let wake = (): void => {};
    const lateClock = {
      now: () => now,
      sleep: () => new Promise<void>((resolve) => (wake = resolve)),
    };
    const limiter = new RateLimiter({ limit: 1, windowSeconds: 60, marginMs: 0, clock: lateClock });
    await limiter.acquire();
    const waiter = limiter.acquire();
    await settle();
    now += 61 * SECOND;
    expect(limiter.remaining()).toBe(1);
    expect(limiter.tryAcquire()).toBe(false);
    wake();
    expect(await waiter).toBe(61 * SECOND);
    expect(limiter.stats().totalCalls).toBe(2);
  });

  it("never takes a token while blocked after a 429", async () => {
    const { clock, limiter, t0 } = setup(5, 60);
    limiter.blockUntil(t0 + 20 * SECOND);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(20 * SECOND);
    expect(limiter.tryAcquire()).toBe(true);
  });

  it("a token taken with tryAcquire delays acquire() like any other call", async () => {
    const { clock, limiter } = setup(1, 60);
    expect(limiter.tryAcquire()).toBe(true);
    const waited = limiter.acquire();
    await clock.advance(60 * SECOND);
    expect(await waited).toBe(60 * SECOND);
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
