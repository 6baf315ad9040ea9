/**
 * `npm run sandbox`: runs the Polygon-compatible sandbox on its own and prints how to point the
 * service at it. SANDBOX_HOST (default 127.0.0.1) and SANDBOX_PORT (default 0, any free port)
 * choose where it listens.
 */
import { generateKey } from "./keys.js";
import { startSandbox } from "./server.js";

const port = Number(process.env.SANDBOX_PORT ?? "0");
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(
    `SANDBOX_PORT must be an integer from 0 to 65535, got "${process.env.SANDBOX_PORT}"\n`,
  );
  process.exit(1);
}

const account = generateKey();
const { key } = account;
const sandbox = await startSandbox({ host: process.env.SANDBOX_HOST ?? "127.0.0.1", port, keys: [account] });
process.stdout.write(
  [
    `Polygon sandbox listening on ${sandbox.url}`,
    `API key (paid plan, ${account.limit} calls per ${account.windowMs / 1000} s): ${key}`,
    `Run the service against it: POLYGON_BASE_URL=${sandbox.url} POLYGON_API_KEY=${key} npm start`,
    "POLYGON_FETCH_MODE may be single, multi, universal or prev; try each endpoint:",
    ...[
      "/v2/snapshot/locale/global/markets/forex/tickers/C:EURUSD",
      "/v2/snapshot/locale/global/markets/forex/tickers?tickers=C:XAUUSD,C:EURUSD",
      "/v3/snapshot?ticker.any_of=C:XAUUSD,C:EURUSD,X:BTCUSD&limit=250",
      "/v2/aggs/ticker/X:BTCUSD/prev",
    ].map((path) => `  curl -H "Authorization: Bearer ${key}" '${sandbox.url}${path}'`),
    "",
  ].join("\n"),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
