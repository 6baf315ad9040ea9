/**
 * Redis channel names of price updates: `asset:update:{SYMBOL}` (ET-DATA-001 §3.5). The prefix is
 * empty in production; tests give each run its own so parallel runs on one Redis do not meet.
 */
const ASSET_UPDATE = "asset:update:";

export function assetUpdateChannel(symbol: string, prefix = ""): string {
  return `${prefix}${ASSET_UPDATE}${symbol}`;
}

/** The PSUBSCRIBE pattern matching every symbol's channel under `prefix`. */
export function assetUpdatePattern(prefix = ""): string {
  // Glob characters in the prefix must match literally.
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}${ASSET_UPDATE}*`;
}
