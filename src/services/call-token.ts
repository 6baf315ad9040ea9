/**
 * How a MarketDataProvider spends the budget token of one HTTP call, as FetchOptions asks: a
 * token the caller pre-paid if one is left, else a wait on the budget that `budgetSignal` can cut
 * short. Every provider calls this once before each request, so the rules live in one place.
 */
import { ProviderError } from "../models/errors.js";
import type { CallBudget, FetchOptions } from "./ports.js";

/**
 * Resolves with undefined when the call may be made, or with the error that stands for the asset
 * when it may not: `rate_limited` when `budgetSignal` has aborted and no token is free at once
 * (the asset was never requested, so it is retried without spending a retry), `transient` when
 * the budget itself failed. Rejects with the signal's reason only when `options.signal` aborted.
 * Counts a budget wait in `options.usage.waits`; the caller counts the call itself.
 */
export async function takeCallToken(
  budget: CallBudget,
  options: FetchOptions,
): Promise<ProviderError | undefined> {
  const { signal, usage } = options;
  if (options.prepaidCalls !== undefined && options.prepaidCalls > 0) {
    options.prepaidCalls -= 1;
    return undefined;
  }
  const budgetSignal = options.budgetSignal ?? signal;
  if (budgetSignal?.aborted && !signal?.aborted) {
    // No more waiting, but a token free right now is not a wait: in-flight work may finish.
    return budget.tryAcquire() ? undefined : notMade(budgetSignal.reason);
  }
  try {
    const waitedMs = await budget.acquire(budgetSignal);
    if (waitedMs > 0) usage.waits += 1;
    return undefined;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (budgetSignal?.aborted) return notMade(budgetSignal.reason);
    return new ProviderError("transient", `call budget unavailable: ${String(error)}`, undefined, {
      cause: error,
    });
  }
}

/** The asset's call was not made because budget waits were cut short. */
function notMade(reason: unknown): ProviderError {
  const text = reason instanceof Error ? reason.message : String(reason);
  return new ProviderError("rate_limited", `call not made: ${text}`);
}
