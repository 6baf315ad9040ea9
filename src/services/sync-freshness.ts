/** Freshness of a stored asset as reported to clients (GetStatus, ListAssets). */
import type { AssetState, SyncStatus } from "../models/batch.js";

export interface EffectiveSync {
  /** The stored status, or "stale" when the last success is older than the threshold. */
  status: SyncStatus | null;
  /** Seconds since the provider time of the latest stored price; null when there is none. */
  ageSeconds: number | null;
}

/**
 * STALE is derived, never stored: a "success" row whose write (`lastSyncAt`) is more than
 * `staleAfterSeconds` old reads as stale. Failed or in-progress rows keep their status, since
 * they say more than "stale" does. The age uses the provider's quote time, the age of the price
 * itself; it is clamped at 0 when the provider's clock runs ahead of ours.
 */
export function effectiveSyncStatus(
  state: AssetState,
  nowMs: number,
  staleAfterSeconds: number,
): EffectiveSync {
  const ageSeconds = state.latest ? Math.max(0, nowMs - state.latest.timestamp.getTime()) / 1000 : null;
  const stale =
    state.syncStatus === "success" &&
    state.lastSyncAt !== null &&
    nowMs - state.lastSyncAt.getTime() > staleAfterSeconds * 1000;
  return { status: stale ? "stale" : state.syncStatus, ageSeconds };
}
