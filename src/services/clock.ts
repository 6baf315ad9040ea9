import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "./ports.js";

/** The real clock. Tests inject their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};
