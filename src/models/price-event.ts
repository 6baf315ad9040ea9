import type { AssetSnapshot } from "./batch.js";

/** The Redis event body of ET-DATA-001 §3.5 `_publish_update`, field for field. */
export interface PriceUpdateEvent {
  type: "price_update";
  symbol: string;
  data: {
    bid: number;
    ask: number;
    spread: number;
    last_price: number;
    /** ISO-8601. */
    timestamp: string;
  };
}

export function toPriceUpdateEvent(snapshot: AssetSnapshot): PriceUpdateEvent {
  return {
    type: "price_update",
    symbol: snapshot.symbol,
    data: {
      bid: snapshot.bid,
      ask: snapshot.ask,
      spread: snapshot.spread,
      last_price: snapshot.lastPrice,
      timestamp: snapshot.timestamp.toISOString(),
    },
  };
}
