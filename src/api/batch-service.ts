import { durationFromMs, durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import * as pb from "../../gen/batch/v1/batch_pb.js";
import type { AssetCatalog } from "../config/priority-assets.js";
import type { PublisherHealth } from "../events/monitored-publisher.js";
import type { AssetState } from "../models/batch.js";
import { toPriceUpdateEvent } from "../models/price-event.js";
import type { BatchOrchestrator } from "../services/batch-orchestrator.js";
import { LatestPriceBuffer } from "../services/latest-price-buffer.js";
import type { AssetStore, CallBudget, Clock, PriceEventSource } from "../services/ports.js";
import { effectiveSyncStatus } from "../services/sync-freshness.js";
import { toConnectError } from "./error-mapping.js";
import {
  type AssetStatusView,
  fromProtoPriority,
  toProtoAsset,
  toProtoAssetStatus,
  toProtoBatchResult,
  toProtoEventBus,
  toProtoPrice,
  toProtoQueueStats,
  toProtoRateLimit,
} from "./proto-mapping.js";
import { queueStatsUpdates } from "./queue-stats-stream.js";

export interface BatchServiceDeps {
  orchestrator: Pick<
    BatchOrchestrator,
    "runManualBatch" | "enqueue" | "status" | "queueStats" | "onQueueChange"
  >;
  catalog: AssetCatalog;
  store: Pick<AssetStore, "loadAssetStates">;
  budget: Pick<CallBudget, "stats">;
  prices: PriceEventSource;
  /** The publishing side of the event bus, for GetStatus. */
  eventBus: { backend: string; health(): PublisherHealth };
  clock: Clock;
  staleAfterSeconds: number;
  /** Throws UNAUTHENTICATED / PERMISSION_DENIED unless the request carries the admin token. */
  requireAdmin: (headers: Headers) => void;
  /**
   * StreamQueueStats: shortest time between a message and one sent for a queue change, so a
   * burst of changes makes one message. Default 50 ms.
   */
  statsChangeGapMs?: number;
}

const DEFAULT_STATS_INTERVAL_MS = 5000;
const MIN_STATS_INTERVAL_MS = 100;
const MAX_STATS_INTERVAL_MS = 3_600_000;
const DEFAULT_STATS_CHANGE_GAP_MS = 50;

/** Thin handlers: validate, call the core, map the result. Errors go through toConnectError. */
export function createBatchService(deps: BatchServiceDeps): ServiceImpl<typeof pb.BatchService> {
  const { orchestrator, catalog, store, clock } = deps;

  const statusView = (state: AssetState): AssetStatusView => {
    const { status, ageSeconds } = effectiveSyncStatus(state, clock.now(), deps.staleAfterSeconds);
    return {
      symbol: state.symbol,
      status,
      lastSyncAt: state.lastSyncAt,
      ageSeconds,
      errorMessage: state.errorMessage,
    };
  };

  return {
    async runBatch(_req, ctx) {
      deps.requireAdmin(ctx.requestHeader);
      const result = await guard(() => orchestrator.runManualBatch());
      return {
        success: result.priorityFailed.length === 0,
        batchId: result.batchId,
        result: toProtoBatchResult(result),
        message: `Batch completed: ${result.priorityUpdated.length} updated, ${result.priorityFailed.length} failed`,
      };
    },

    async getStatus() {
      const status = orchestrator.status();
      const states = await guard(() => store.loadAssetStates());
      const budget = deps.budget.stats();
      const batchJob = status.jobs.find((job) => job.id === "priority_batch");
      return {
        state: status.running ? pb.ServiceState.RUNNING : pb.ServiceState.STOPPED,
        jobs: status.jobs.map((job) => ({
          id: job.id,
          name: job.name,
          interval: durationFromMs(job.intervalSeconds * 1000),
          nextRun: job.nextRunAt ? timestampFromDate(job.nextRunAt) : undefined,
          running: job.running,
        })),
        lastBatch: status.lastBatch ? toProtoBatchResult(status.lastBatch) : undefined,
        lastRun: status.lastBatch ? timestampFromDate(status.lastBatch.completedAt) : undefined,
        nextRun: batchJob?.nextRunAt ? timestampFromDate(batchJob.nextRunAt) : undefined,
        priorityAssets: status.priorityAssets,
        queueSize: status.queueSize,
        apiCallsRemaining: budget.remaining,
        rateLimit: toProtoRateLimit(budget),
        assets: states.map((state) => toProtoAssetStatus(statusView(state))),
        eventBus: toProtoEventBus(deps.eventBus.backend, deps.eventBus.health()),
      };
    },

    async *streamQueueStats(req, ctx) {
      const intervalMs = req.interval ? durationMs(req.interval) : DEFAULT_STATS_INTERVAL_MS;
      if (intervalMs < MIN_STATS_INTERVAL_MS || intervalMs > MAX_STATS_INTERVAL_MS) {
        throw new ConnectError(
          `interval must be from ${MIN_STATS_INTERVAL_MS}ms to ${MAX_STATS_INTERVAL_MS / 1000}s, got ${intervalMs}ms`,
          Code.InvalidArgument,
        );
      }
      const minChangeGapMs = deps.statsChangeGapMs ?? DEFAULT_STATS_CHANGE_GAP_MS;
      try {
        const updates = queueStatsUpdates(orchestrator, clock, { intervalMs, minChangeGapMs }, ctx.signal);
        for await (const { stats, observedAt } of updates) {
          yield { stats: toProtoQueueStats(stats, observedAt) };
        }
      } catch (err) {
        endStream(err, ctx);
      }
    },

    async *watchAssetUpdates(req, ctx) {
      const unknown = req.symbols.filter((symbol) => catalog.get(symbol) === undefined);
      if (unknown.length > 0) {
        throw new ConnectError(`unknown symbol(s): ${unknown.join(", ")}`, Code.InvalidArgument);
      }
      const wanted = new Set(req.symbols.length > 0 ? req.symbols : catalog.all().map((a) => a.symbol));
      // Subscribe before reading the store, so no update between the two is lost.
      const buffer = new LatestPriceBuffer((symbol) => wanted.has(symbol));
      const unsubscribe = deps.prices.subscribe((event) => buffer.push(event));
      try {
        const states = await guard(() => store.loadAssetStates([...wanted]));
        const initialAt = new Map<string, number>();
        for (const state of states) {
          if (!state.latest) continue;
          initialAt.set(state.symbol, state.latest.timestamp.getTime());
          yield { price: toProtoPrice(toPriceUpdateEvent(state.latest), state.latest.source), initial: true };
        }
        for await (const event of buffer.drain(ctx.signal)) {
          // Skip a live update the initial snapshot already carried.
          if (Date.parse(event.data.timestamp) <= (initialAt.get(event.symbol) ?? Number.NEGATIVE_INFINITY))
            continue;
          yield { price: toProtoPrice(event), initial: false };
        }
        ctx.signal.throwIfAborted();
      } catch (err) {
        endStream(err, ctx);
      } finally {
        unsubscribe();
      }
    },

    async enqueueAsset(req, ctx) {
      deps.requireAdmin(ctx.requestHeader);
      const outcome = await guard(async () =>
        orchestrator.enqueue(req.symbol, fromProtoPriority(req.priority)),
      );
      return { enqueued: outcome.enqueued, reason: outcome.reason, queueSize: outcome.queueSize };
    },

    async listAssets() {
      const states = new Map((await guard(() => store.loadAssetStates())).map((s) => [s.symbol, s]));
      return {
        assets: catalog.all().map((asset) => {
          const state = states.get(asset.symbol) ?? emptyState(asset.symbol);
          const latest = state.latest
            ? toProtoPrice(toPriceUpdateEvent(state.latest), state.latest.source)
            : undefined;
          return toProtoAsset(asset, latest, toProtoAssetStatus(statusView(state)));
        }),
      };
    },
  };
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toConnectError(err);
  }
}

/**
 * A stream that ends because the client went away or the server is shutting down rethrows the
 * abort reason, so clients see CANCELLED or UNAVAILABLE rather than OK.
 */
function endStream(err: unknown, ctx: HandlerContext): never {
  if (ctx.signal.aborted) throw toConnectError(ctx.signal.reason);
  throw toConnectError(err);
}

function emptyState(symbol: string): AssetState {
  return {
    symbol,
    latest: null,
    syncStatus: null,
    lastSyncAt: null,
    lastSuccessAt: null,
    errorMessage: null,
  };
}
