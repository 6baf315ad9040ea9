/** The only place that maps domain types (models/) to and from the generated proto types. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import * as pb from "../../gen/batch/v1/batch_pb.js";
import type { PublisherHealth } from "../events/monitored-publisher.js";
import {
  ASSET_PRIORITY_NAMES,
  type AssetDefinition,
  type AssetPriority,
  type AssetType,
  type BatchResult,
  type QueueStats,
  type RateLimitStats,
  type SyncStatus,
} from "../models/batch.js";
import type { PriceUpdateEvent } from "../models/price-event.js";

const SYNC_STATUS: Record<SyncStatus, pb.SyncStatus> = {
  pending: pb.SyncStatus.PENDING,
  in_progress: pb.SyncStatus.IN_PROGRESS,
  success: pb.SyncStatus.SUCCESS,
  failed: pb.SyncStatus.FAILED,
  stale: pb.SyncStatus.STALE,
};

const ASSET_TYPE: Record<AssetType, pb.AssetType> = {
  forex: pb.AssetType.FOREX,
  crypto: pb.AssetType.CRYPTO,
};

export function toProtoSyncStatus(status: SyncStatus | null): pb.SyncStatus {
  return status === null ? pb.SyncStatus.UNSPECIFIED : SYNC_STATUS[status];
}

/** Domain priorities are the spec's 1..4, the same numbers as the proto enum. */
export function toProtoPriority(priority: AssetPriority): pb.AssetPriority {
  return priority as number as pb.AssetPriority;
}

/** UNSPECIFIED (0) means "no preference". */
export function fromProtoPriority(priority: pb.AssetPriority): AssetPriority | undefined {
  return priority === pb.AssetPriority.UNSPECIFIED ? undefined : (priority as number as AssetPriority);
}

export function toProtoBatchResult(result: BatchResult): MessageInitShape<typeof pb.BatchResultSchema> {
  return {
    batchId: result.batchId,
    startedAt: timestampFromDate(result.startedAt),
    completedAt: timestampFromDate(result.completedAt),
    durationMs: BigInt(result.durationMs),
    priorityUpdated: result.priorityUpdated,
    priorityFailed: result.priorityFailed,
    queueProcessed: result.queueProcessed,
    queueRemaining: result.queueRemaining,
    apiCallsUsed: result.apiCallsUsed,
    rateLimitWaits: result.rateLimitWaits,
    errors: result.errors,
    trigger: result.trigger === "manual" ? pb.BatchTrigger.MANUAL : pb.BatchTrigger.SCHEDULED,
  };
}

export function toProtoRateLimit(stats: RateLimitStats): MessageInitShape<typeof pb.RateLimitStatusSchema> {
  return {
    limit: stats.limit,
    window: durationFromMs(stats.windowSeconds * 1000),
    remaining: stats.remaining,
    resetAt: timestampFromDate(stats.resetAt),
    totalCalls: BigInt(stats.totalCalls),
    totalWaits: BigInt(stats.totalWaits),
  };
}

export function toProtoQueueStats(
  stats: QueueStats,
  observedAtMs: number,
): MessageInitShape<typeof pb.QueueStatsSchema> {
  return {
    size: stats.size,
    maxSize: stats.maxSize,
    byPriority: ASSET_PRIORITY_NAMES.map((name, index) => ({
      priority: (index + 1) as pb.AssetPriority,
      count: stats.byPriority[name],
    })),
    oldestAgeSeconds: stats.oldestAgeSeconds,
    totalEnqueued: BigInt(stats.totalEnqueued),
    totalProcessed: BigInt(stats.totalProcessed),
    observedAt: timestampFromMs(observedAtMs),
  };
}

export function toProtoPrice(
  event: PriceUpdateEvent,
  source = "polygon",
): MessageInitShape<typeof pb.AssetPriceSchema> {
  return {
    symbol: event.symbol,
    bid: event.data.bid,
    ask: event.data.ask,
    spread: event.data.spread,
    lastPrice: event.data.last_price,
    timestamp: timestampFromDate(new Date(event.data.timestamp)),
    source,
  };
}

export interface AssetStatusView {
  symbol: string;
  status: SyncStatus | null;
  lastSyncAt: Date | null;
  ageSeconds: number | null;
  errorMessage: string | null;
}

export function toProtoAssetStatus(view: AssetStatusView): MessageInitShape<typeof pb.AssetStatusSchema> {
  return {
    symbol: view.symbol,
    syncStatus: toProtoSyncStatus(view.status),
    lastSyncAt: view.lastSyncAt ? timestampFromDate(view.lastSyncAt) : undefined,
    ageSeconds: view.ageSeconds ?? undefined,
    errorMessage: view.errorMessage ?? "",
  };
}

export function toProtoAsset(
  asset: AssetDefinition,
  latest: MessageInitShape<typeof pb.AssetPriceSchema> | undefined,
  status: MessageInitShape<typeof pb.AssetStatusSchema>,
): MessageInitShape<typeof pb.AssetSchema> {
  return {
    symbol: asset.symbol,
    polygonTicker: asset.polygonTicker,
    assetType: ASSET_TYPE[asset.assetType],
    name: asset.name,
    priority: toProtoPriority(asset.priority),
    baseAsset: asset.baseAsset,
    quoteAsset: asset.quoteAsset,
    pricePrecision: asset.pricePrecision,
    latest,
    status,
  };
}

export function toProtoEventBus(
  backend: string,
  health: PublisherHealth,
): MessageInitShape<typeof pb.EventBusStatusSchema> {
  return {
    backend,
    healthy: health.healthy,
    failedPublishes: BigInt(health.failedPublishes),
    lostEvents: BigInt(health.lostEvents),
    outageSince: health.outageSince ? timestampFromDate(health.outageSince) : undefined,
  };
}
