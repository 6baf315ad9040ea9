/**
 * A Polygon-compatible HTTP/1.1 server: real paths, real bodies, real auth and budget errors, over
 * a simulated market, with faults a test can switch on. Tests and `npm start` without a key use
 * it instead of the live API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SlidingWindowBudget } from "./budget.js";
import { type FaultKind, type FaultSpec, SandboxFaults } from "./faults.js";
import { generateKey, presentedKey, type SandboxKey } from "./keys.js";
import { SimulatedMarket } from "./market.js";
import {
  errorResponse,
  gatewayErrorResponse,
  MISSING_KEY_TEXT,
  messageResponse,
  NOT_ENTITLED_TEXT,
  newRequestId,
  RATE_LIMITED_TEXT,
  type SandboxResponse,
  UNKNOWN_KEY_TEXT,
} from "./responses.js";
import { matchRoute, pathNotFound } from "./routes.js";
import { V3_MAX_LIMIT } from "./routes-v3.js";

export type { FaultKind, FaultSpec, SandboxFaults } from "./faults.js";

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (read it from `url`). */
  port?: number;
  /** Default: one generated paid key allowing 5 calls per 60 s. */
  keys?: SandboxKey[];
  /** Epoch ms; drives the budget window and the market's timestamps. */
  now?: () => number;
  /** Seeded uniform [0, 1) source for reproducible prices. Default Math.random. */
  random?: () => number;
  /**
   * Largest `/v3/snapshot` page served, whatever `limit` asks. Default 250, as live; tests lower
   * it to make the client paginate.
   */
  maxV3PageSize?: number;
}

/** One request as the sandbox answered it. `path` is the raw request target, query included. */
export interface SandboxRequest {
  at: number;
  method: string;
  path: string;
  /** The key the request presented, or null. Kept in memory for tests, never printed. */
  key: string | null;
  status: number;
  /** Injected faults that shaped the answer. */
  faults: FaultKind[];
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  keys: readonly SandboxKey[];
  requestLog: readonly SandboxRequest[];
  /** Switches faults on (`set`, `add`) and off (`clear`). */
  faults: SandboxFaults;
  close(): Promise<void>;
}

/** How long a `slow` fault holds an answer by default: past the client's 10 s timeout. */
const DEFAULT_SLOW_MS = 15_000;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  const keys = options.keys ?? [generateKey()];
  const now = options.now ?? Date.now;
  const maxV3PageSize = options.maxV3PageSize ?? V3_MAX_LIMIT;
  const accounts = new Map(
    keys.map(({ key, plan, limit, windowMs }) => [
      key,
      { plan, budget: new SlidingWindowBudget(limit, windowMs) },
    ]),
  );
  const market = new SimulatedMarket(options.random);
  const faults = new SandboxFaults();
  const requestLog: SandboxRequest[] = [];
  const heldAnswers = new Set<NodeJS.Timeout>();
  let baseUrl = "";

  /** An answer, the faults that shaped it, and how long to hold it back. */
  interface Answer {
    response: SandboxResponse;
    faults: FaultKind[];
    delayMs: number;
  }

  /**
   * Order of checks: route, key, injected 429, budget, plan, then the handler and the other
   * faults. Every authenticated call the budget admits counts, whatever its answer (403, 404 and
   * injected 5xx included); refused (429) calls do not.
   */
  function respond(
    request: IncomingMessage,
    url: URL,
    key: string | null,
    requestId: string,
    at: number,
  ): Answer {
    const answer = (response: SandboxResponse, applied: FaultKind[] = [], delayMs = 0): Answer => ({
      response,
      faults: applied,
      delayMs,
    });
    const matched = matchRoute(request.method ?? "GET", url.pathname);
    if (!matched) return answer(pathNotFound(requestId));
    if (key === null) return answer(errorResponse(401, requestId, MISSING_KEY_TEXT));
    const account = accounts.get(key);
    if (!account) return answer(errorResponse(401, requestId, UNKNOWN_KEY_TEXT));

    const tickers = matched.route.tickers(matched.params, url);
    const refusal = faults.takeRequestFault(["429", "empty429"], tickers);
    if (refusal) return answer(rateLimited(requestId, refusal), [refusal.kind]);
    if (!account.budget.tryTake(at)) return answer(errorResponse(429, requestId, RATE_LIMITED_TEXT));
    if (!matched.route.plans.includes(account.plan)) {
      return answer(messageResponse(403, "NOT_AUTHORIZED", requestId, NOT_ENTITLED_TEXT));
    }

    const items = faults.itemPass();
    let response = matched.route.handle(matched.params, {
      requestId,
      at,
      market,
      url,
      baseUrl,
      maxV3PageSize,
      adjust: items.adjust,
    });
    const applied: FaultKind[] = items.finish();
    const fault = faults.takeRequestFault(["5xx", "malformed", "slow"], tickers);
    if (fault?.kind === "5xx") response = gatewayErrorResponse(fault.status ?? 502, requestId);
    if (fault?.kind === "malformed")
      response = { ...response, body: response.body.slice(0, Math.floor(response.body.length / 2)) };
    if (fault) applied.push(fault.kind);
    return answer(response, applied, fault?.kind === "slow" ? (fault.delayMs ?? DEFAULT_SLOW_MS) : 0);
  }

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const at = now();
    const requestId = newRequestId();
    const url = new URL(request.url ?? "/", "http://sandbox.invalid");
    const key = presentedKey(request, url);
    let answer: Answer;
    try {
      answer = respond(request, url, key, requestId, at);
    } catch {
      answer = { response: errorResponse(500, requestId, "Internal server error"), faults: [], delayMs: 0 };
    }
    const { response: reply } = answer;
    requestLog.push({
      at,
      method: request.method ?? "",
      path: request.url ?? "",
      key,
      status: reply.status,
      faults: answer.faults,
    });
    const write = (): void => {
      if (response.destroyed) return;
      response.writeHead(reply.status, {
        "content-type": reply.contentType ?? "application/json",
        "content-length": Buffer.byteLength(reply.body),
        "x-request-id": requestId,
        ...reply.headers,
      });
      response.end(reply.body);
    };
    if (answer.delayMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      heldAnswers.delete(timer);
      write();
    }, answer.delayMs);
    heldAnswers.add(timer);
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
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;

  return {
    url: baseUrl,
    keys,
    requestLog,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of heldAnswers) clearTimeout(timer);
        heldAnswers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this, close would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** An injected 429: the live ERROR body, or an empty one; Retry-After only when asked for. */
function rateLimited(requestId: string, fault: FaultSpec): SandboxResponse {
  const body =
    fault.kind === "empty429" ? { status: 429, body: "" } : errorResponse(429, requestId, RATE_LIMITED_TEXT);
  return fault.retryAfterSeconds === undefined
    ? body
    : { ...body, headers: { "retry-after": String(fault.retryAfterSeconds) } };
}
