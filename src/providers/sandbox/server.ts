/**
 * A Polygon-compatible HTTP/1.1 server: real paths, real bodies, real auth and budget errors, over
 * a simulated market. Tests and `npm start` without a key use it instead of the live API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SlidingWindowBudget } from "./budget.js";
import { generateKey, presentedKey, type SandboxKey } from "./keys.js";
import { SimulatedMarket } from "./market.js";
import {
  errorResponse,
  MISSING_KEY_TEXT,
  messageResponse,
  NOT_ENTITLED_TEXT,
  newRequestId,
  RATE_LIMITED_TEXT,
  type SandboxResponse,
  UNKNOWN_KEY_TEXT,
} from "./responses.js";
import { matchRoute, pathNotFound } from "./routes.js";

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (read it from `url`). */
  port?: number;
  /** Default: one generated paid key allowing 5 calls per 60 s. */
  keys?: SandboxKey[];
  /** Epoch ms; drives the budget window and the market's timestamps. */
  now?: () => number;
}

/** One request as the sandbox answered it. `path` is the raw request target, query included. */
export interface SandboxRequest {
  at: number;
  method: string;
  path: string;
  /** The key the request presented, or null. Kept in memory for tests, never printed. */
  key: string | null;
  status: number;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  keys: readonly SandboxKey[];
  requestLog: readonly SandboxRequest[];
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  const keys = options.keys ?? [generateKey()];
  const now = options.now ?? Date.now;
  const accounts = new Map(
    keys.map(({ key, plan, limit, windowMs }) => [
      key,
      { plan, budget: new SlidingWindowBudget(limit, windowMs) },
    ]),
  );
  const market = new SimulatedMarket();
  const requestLog: SandboxRequest[] = [];

  /**
   * Order of checks: route, key, budget, plan. Every authenticated call the budget admits counts,
   * whatever its answer (403 and 404 included); refused (429) calls do not.
   */
  function respond(
    request: IncomingMessage,
    url: URL,
    key: string | null,
    requestId: string,
    at: number,
  ): SandboxResponse {
    const matched = matchRoute(request.method ?? "GET", url.pathname);
    if (!matched) return pathNotFound(requestId);
    if (key === null) return errorResponse(401, requestId, MISSING_KEY_TEXT);
    const account = accounts.get(key);
    if (!account) return errorResponse(401, requestId, UNKNOWN_KEY_TEXT);
    if (!account.budget.tryTake(at)) return errorResponse(429, requestId, RATE_LIMITED_TEXT);
    if (!matched.route.plans.includes(account.plan)) {
      return messageResponse(403, "NOT_AUTHORIZED", requestId, NOT_ENTITLED_TEXT);
    }
    return matched.route.handle(matched.params, { requestId, at, market });
  }

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const at = now();
    const requestId = newRequestId();
    const url = new URL(request.url ?? "/", "http://sandbox.invalid");
    const key = presentedKey(request, url);
    let answer: SandboxResponse;
    try {
      answer = respond(request, url, key, requestId, at);
    } catch {
      answer = errorResponse(500, requestId, "Internal server error");
    }
    requestLog.push({
      at,
      method: request.method ?? "",
      path: request.url ?? "",
      key,
      status: answer.status,
    });
    response.writeHead(answer.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(answer.body),
      "x-request-id": requestId,
    });
    response.end(answer.body);
  }

  const server = createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("sandbox is not listening on TCP");

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    keys,
    requestLog,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this, close would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
