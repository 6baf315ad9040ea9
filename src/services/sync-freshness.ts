/** Freshness of a stored asset as reported to clients (GetStatus, ListAssets). */
import type { AssetState, SyncStatus } from "../models/batch.js";

export interface EffectiveSync {
  /** The stored status, or "stale" when the last success is older than the threshold. */
  status: SyncStatus | null;
  /** Seconds since the last successful price update; null when there was none. */
  ageSeconds: number | null;
}

/**
 * STALE is stored by the orchestrator's stale check, which runs every minute or so; between two
 * checks a "success" row whose last success is more than `staleAfterSeconds` old already reads as
 * stale here, so clients never see a stale price reported fresh. Pending, in-progress and failed
 * rows keep their status, since they say more than "stale" does. The age is counted from the
 * last success (proto AssetStatus.age_seconds), clamped at 0 when the store's clock runs ahead of
 * ours.
 */
export function effectiveSyncStatus(
  state: AssetState,
  nowMs: number,
  staleAfterSeconds: number,
): EffectiveSync {
  const ageMs = state.lastSuccessAt === null ? null : Math.max(0, nowMs - state.lastSuccessAt.getTime());
  const stale = state.syncStatus === "success" && ageMs !== null && ageMs > staleAfterSeconds * 1000;
  return { status: stale ? "stale" : state.syncStatus, ageSeconds: ageMs === null ? null : ageMs / 1000 };
}
