/**
 * Provider refusals that every later call would repeat, seen across all updates (priority batches
 * and queue runs): a rejected key (401, `unauthorized`) and a plan without the endpoint (403,
 * `not_entitled`). Each is logged once as an error when it starts and once at info when it ends,
 * never once per asset or per batch, so a wrong POLYGON_API_KEY shows as one clear line.
 *
 * While the key is rejected the orchestrator pauses the queue processor: only the priority batch
 * tries the key again, one call per batch (the provider stops a fetch at the first 401).
 */
import { ProviderError, type ProviderErrorKind } from "../models/errors.js";
import { type AssetUpdateFailure, type AssetUpdater, failureMessage } from "./asset-updater.js";
import { ChangeListeners } from "./change-listeners.js";
import type { Clock, Logger } from "./ports.js";

export interface ProviderAccessStatus {
  /** Set while the provider rejects the key: its reason and when it started. */
  keyRejected: { reason: string; since: Date } | null;
  /** Assets the key's plan is not entitled to (403), sorted; empty when none. */
  notEntitled: string[];
}

/** What one update did, as far as access is concerned. */
export interface UpdateOutcomes {
  updated: readonly { symbol: string }[];
  failed: readonly AssetUpdateFailure[];
}

export class ProviderAccessMonitor {
  private keyRejected: { reason: string; since: number } | null = null;
  /** Symbol → reason, for assets refused with `not_entitled` and not updated since. */
  private readonly notEntitled = new Map<string, string>();
  private readonly changes: ChangeListeners;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.changes = new ChangeListeners((err) => logger.error({ err }, "provider access listener failed"));
  }

  /** Calls `listener` after each change of status(). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    return this.changes.add(listener);
  }

  /** `updater`, with every report it resolves with observed here first. */
  watch(updater: Pick<AssetUpdater, "updateAssets">): Pick<AssetUpdater, "updateAssets"> {
    return {
      updateAssets: async (assets, options) => {
        const report = await updater.updateAssets(assets, options);
        this.observe(report);
        return report;
      },
    };
  }

  get isKeyRejected(): boolean {
    return this.keyRejected !== null;
  }

  status(): ProviderAccessStatus {
    const rejected = this.keyRejected;
    return {
      keyRejected: rejected && { reason: rejected.reason, since: new Date(rejected.since) },
      notEntitled: [...this.notEntitled.keys()].sort(),
    };
  }

  /** Records the outcome of one update. */
  observe(outcomes: UpdateOutcomes): void {
    const changedKey = this.observeKey(outcomes);
    const changedPlan = this.observePlan(outcomes);
    if (changedKey || changedPlan) this.changes.notify();
  }

  private observeKey({ updated, failed }: UpdateOutcomes): boolean {
    const rejection = failed.find(({ error }) => isKind(error, "unauthorized"));
    if (rejection && this.keyRejected === null) {
      const reason = failureMessage(rejection.error);
      this.keyRejected = { reason, since: this.clock.now() };
      this.logger.error(
        { err: reason, symbols: failed.map(({ asset }) => asset.symbol) },
        "POLYGON_API_KEY rejected by the provider (HTTP 401): no price is updated until the key is fixed; " +
          "the queue processor is paused and each priority batch tries the key once",
      );
      return true;
    }
    // Any price fetched proves the key works again.
    if (!rejection && this.keyRejected !== null && updated.length > 0) {
      const rejectedForMs = this.clock.now() - this.keyRejected.since;
      this.keyRejected = null;
      this.logger.info({ rejectedForMs }, "POLYGON_API_KEY accepted again; the queue processor resumes");
      return true;
    }
    return false;
  }

  private observePlan({ updated, failed }: UpdateOutcomes): boolean {
    const before = this.notEntitled.size;
    const added: string[] = [];
    for (const { asset, error } of failed) {
      if (!isKind(error, "not_entitled")) continue;
      if (!this.notEntitled.has(asset.symbol)) added.push(asset.symbol);
      this.notEntitled.set(asset.symbol, failureMessage(error));
    }
    let removed = 0;
    for (const { symbol } of updated) if (this.notEntitled.delete(symbol)) removed += 1;
    if (added.length > 0) {
      const first = this.notEntitled.get(added[0] as string);
      // One error when refusals start; more assets joining an ongoing refusal are only noted.
      const log = before === 0 ? this.logger.error : this.logger.debug;
      log.call(
        this.logger,
        { err: first, symbols: added },
        "the plan of POLYGON_API_KEY does not include what POLYGON_FETCH_MODE reads (HTTP 403): " +
          "these assets fail until the plan or the mode changes; queued ones are dropped, not retried",
      );
    }
    if (before > 0 && this.notEntitled.size === 0) {
      this.logger.info({}, "the provider serves every asset again (no plan refusal left)");
    }
    return added.length > 0 || removed > 0;
  }
}

function isKind(error: Error, kind: ProviderErrorKind): boolean {
  return error instanceof ProviderError && error.kind === kind;
}
