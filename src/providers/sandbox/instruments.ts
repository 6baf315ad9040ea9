/** The tickers the sandbox knows, at realistic price levels (early 2025) and quote precision. */

export type AssetClass = "forex" | "crypto";

export interface Instrument {
  /** Polygon ticker, e.g. `C:EURUSD` (forex) or `X:BTCUSD` (crypto). */
  ticker: string;
  /** As `/v3/snapshot` names it, e.g. "Euro - United States Dollar". */
  name: string;
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
    name: "Gold - United States Dollar",
    assetClass: "forex",
    level: 2650,
    decimals: 2,
    spreadTicks: 45,
    stepVolatility: 4e-4,
  },
  {
    ticker: "C:EURUSD",
    name: "Euro - United States Dollar",
    assetClass: "forex",
    level: 1.08,
    decimals: 5,
    spreadTicks: 6,
    stepVolatility: 2e-4,
  },
  {
    ticker: "C:GBPUSD",
    name: "British Pound - United States Dollar",
    assetClass: "forex",
    level: 1.27,
    decimals: 5,
    spreadTicks: 9,
    stepVolatility: 2e-4,
  },
  {
    ticker: "C:USDJPY",
    name: "United States Dollar - Japanese Yen",
    assetClass: "forex",
    level: 150,
    decimals: 3,
    spreadTicks: 12,
    stepVolatility: 2e-4,
  },
  {
    ticker: "C:XAGUSD",
    name: "Silver - United States Dollar",
    assetClass: "forex",
    level: 31,
    decimals: 3,
    spreadTicks: 30,
    stepVolatility: 6e-4,
  },
  {
    ticker: "C:AUDUSD",
    name: "Australian Dollar - United States Dollar",
    assetClass: "forex",
    level: 0.65,
    decimals: 5,
    spreadTicks: 8,
    stepVolatility: 2e-4,
  },
  {
    ticker: "C:USDCAD",
    name: "United States Dollar - Canadian Dollar",
    assetClass: "forex",
    level: 1.4,
    decimals: 5,
    spreadTicks: 10,
    stepVolatility: 2e-4,
  },
  {
    ticker: "X:BTCUSD",
    name: "Bitcoin - United States Dollar",
    assetClass: "crypto",
    level: 93000,
    decimals: 2,
    spreadTicks: 0,
    stepVolatility: 1e-3,
  },
  {
    ticker: "X:ETHUSDT",
    name: "Ethereum - Tether",
    assetClass: "crypto",
    level: 3400,
    decimals: 2,
    spreadTicks: 0,
    stepVolatility: 1.2e-3,
  },
];

/** The instrument with `ticker`, of `assetClass` when one is given (tickers are case-sensitive). */
export function findInstrument(ticker: string, assetClass?: AssetClass): Instrument | undefined {
  return INSTRUMENTS.find(
    (instrument) =>
      instrument.ticker === ticker && (assetClass === undefined || instrument.assetClass === assetClass),
  );
}
