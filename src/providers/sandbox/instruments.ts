/** The tickers the sandbox knows, at realistic price levels (early 2025) and quote precision. */

export type AssetClass = "forex" | "crypto";

export interface Instrument {
  /** Polygon ticker, e.g. `C:EURUSD` (forex) or `X:BTCUSD` (crypto). */
  ticker: string;
  assetClass: AssetClass;
  /** Price the random walk starts from and reverts to. */
  level: number;
  /** Decimal places of quoted prices. */
  decimals: number;
  /** Typical bid/ask spread in units of the last decimal (forex quotes only). */
  spreadTicks: number;
  /** Standard deviation of the log-return of one simulation step. */
  stepVolatility: number;
}

export const INSTRUMENTS: readonly Instrument[] = [
  {
    ticker: "C:XAUUSD",
    assetClass: "forex",
    level: 2650,
    decimals: 2,
    spreadTicks: 45,
    stepVolatility: 4e-4,
  },
  { ticker: "C:EURUSD", assetClass: "forex", level: 1.08, decimals: 5, spreadTicks: 6, stepVolatility: 2e-4 },
  { ticker: "C:GBPUSD", assetClass: "forex", level: 1.27, decimals: 5, spreadTicks: 9, stepVolatility: 2e-4 },
  { ticker: "C:USDJPY", assetClass: "forex", level: 150, decimals: 3, spreadTicks: 12, stepVolatility: 2e-4 },
  { ticker: "C:XAGUSD", assetClass: "forex", level: 31, decimals: 3, spreadTicks: 30, stepVolatility: 6e-4 },
  { ticker: "C:AUDUSD", assetClass: "forex", level: 0.65, decimals: 5, spreadTicks: 8, stepVolatility: 2e-4 },
  { ticker: "C:USDCAD", assetClass: "forex", level: 1.4, decimals: 5, spreadTicks: 10, stepVolatility: 2e-4 },
  {
    ticker: "X:BTCUSD",
    assetClass: "crypto",
    level: 93000,
    decimals: 2,
    spreadTicks: 0,
    stepVolatility: 1e-3,
  },
  {
    ticker: "X:ETHUSDT",
    assetClass: "crypto",
    level: 3400,
    decimals: 2,
    spreadTicks: 0,
    stepVolatility: 1.2e-3,
  },
];

export function findInstrument(ticker: string, assetClass: AssetClass): Instrument | undefined {
  return INSTRUMENTS.find(
    (instrument) => instrument.ticker === ticker && instrument.assetClass === assetClass,
  );
}
