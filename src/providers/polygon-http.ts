/**
 * One budgeted GET to Polygon (Massive): a budget token first, then the request with the key in
 * the Authorization header only, timeouts on connect, headers and body, and every non-200 answer
 * mapped once to a ProviderError. The key is scrubbed from everything that leaves this file:
 * bodies, error messages, logged paths.
 */
import { Agent, type Dispatcher, request } from "undici";
import { ProviderError } from "../models/errors.js";
import { takeCallToken } from "../services/call-token.js";
import type { CallBudget, Clock, FetchOptions, Logger } from "../services/ports.js";
import {
  parseJsonBody,
  providerErrorFromResponse,
  providerErrorFromTransport,
  type RequestSubject,
  tickerLabel,
} from "./polygon-errors.js";

export interface PolygonHttpOptions {
  /** e.g. `https://api.massive.com`; a path prefix is kept. */
  baseUrl: string;
  apiKey: string;
  budget: CallBudget;
  /** Connection pool to use; by default one is created (and closed by `close`). */
  dispatcher?: Dispatcher;
  /** Connect timeout of the default Agent, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Limit on waiting for the response headers, and again for the body, ms. Default 10000. */
  requestTimeoutMs?: number;
  /** How long a 429 without Retry-After blocks the budget, ms. Default 60000. */
  rateLimitBackoffMs?: number;
  /** Longest block a Retry-After header may ask for, ms: a broken header cannot stop the service. */
  maxRetryAfterMs?: number;
  clock?: Pick<Clock, "now">;
  logger?: Logger;
}

/** A GET that produced a JSON body, or the provider error that stands for what it asked for. */
export type JsonResult = { ok: true; body: unknown } | { ok: false; error: ProviderError };

const REDACTED = "[redacted]";
const DEFAULT_RATE_LIMIT_BACKOFF_MS = 60_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;
const MIN_RETRY_AFTER_MS = 1000;

export class PolygonHttp {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #budget: CallBudget;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #requestTimeoutMs: number;
  readonly #rateLimitBackoffMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #clock: Pick<Clock, "now">;
  readonly #logger: Logger | undefined;

  constructor(options: PolygonHttpOptions) {
    // Fails at start on a malformed POLYGON_BASE_URL rather than on the first batch.
    if (!URL.canParse(options.baseUrl)) throw new Error(`invalid Polygon base URL: ${options.baseUrl}`);
    // An empty key would also make the redaction below rewrite every body.
    if (options.apiKey === "") throw new Error("Polygon API key is empty");
    const backoff = options.rateLimitBackoffMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS;
    if (!(Number.isFinite(backoff) && backoff > 0)) {
      throw new RangeError(`rateLimitBackoffMs must be a positive number of ms, got ${backoff}`);
    }
    this.#base = new URL(options.baseUrl.replace(/\/+$/, ""));
    this.#apiKey = options.apiKey;
    this.#budget = options.budget;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ connect: { timeout: options.connectTimeoutMs ?? 5000 } });
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#rateLimitBackoffMs = backoff;
    this.#maxRetryAfterMs = Math.max(options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS, backoff);
    this.#clock = options.clock ?? { now: Date.now };
    this.#logger = options.logger;
  }

  /**
   * Spends a budget token, then GETs `pathAndQuery` (relative to the base URL). Resolves with a
   * provider error for anything but a 200 with a JSON body; rejects only when the signal aborts.
   */
  async getJson(pathAndQuery: string, subject: RequestSubject, options: FetchOptions): Promise<JsonResult> {
    const { signal, usage } = options;
    signal?.throwIfAborted();
    // One token per HTTP request, taken before it.
    const label = tickerLabel(subject.tickers);
    const budgetError = await this.#acquireBudget(options);
    if (budgetError) return { ok: false, error: budgetError };
    usage.calls += 1;

    const path = this.#redact(pathAndQuery);
    const startedAt = performance.now();
    let statusCode: number;
    let retryAfter: string | string[] | undefined;
    let bodyText: string;
    try {
      const response = await request(`${this.#base.href.replace(/\/$/, "")}${pathAndQuery}`, {
        method: "GET",
        dispatcher: this.#dispatcher,
        headers: { authorization: `Bearer ${this.#apiKey}`, accept: "application/json" },
        signal,
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
      });
      statusCode = response.statusCode;
      retryAfter = response.headers["retry-after"];
      bodyText = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const failure = providerErrorFromTransport(error, label);
      failure.message = this.#redact(failure.message);
      this.#logger?.debug({ tickers: label, path, error: failure.message }, "polygon request failed");
      return { ok: false, error: failure };
    }
    const durationMs = Math.round(performance.now() - startedAt);
    this.#logger?.debug({ tickers: label, path, status: statusCode, durationMs }, "polygon response");

    // The provider's text is quoted in error messages; make sure it cannot echo the key back.
    const safeBodyText = this.#redact(bodyText);
    if (statusCode === 429) {
      const pausedUntilMs = this.#clock.now() + this.#retryAfterMs(retryAfter);
      this.#budget.blockUntil(pausedUntilMs);
      return {
        ok: false,
        error: providerErrorFromResponse(statusCode, safeBodyText, subject, { pausedUntilMs }),
      };
    }
    if (statusCode !== 200) {
      return { ok: false, error: providerErrorFromResponse(statusCode, safeBodyText, subject) };
    }
    try {
      return { ok: true, body: parseJsonBody(safeBodyText, label) };
    } catch (error) {
      if (error instanceof ProviderError) return { ok: false, error };
      throw error;
    }
  }

  /**
   * The path and query to GET for a `next_url` cursor. Only the path and query are kept, so the
   * key (sent as a header) never goes to another host, whatever host the provider wrote; an
   * `apiKey` parameter is dropped. Undefined for a value that is not a URL.
   */
  nextPage(nextUrl: string): string | undefined {
    let next: URL;
    try {
      next = new URL(nextUrl, this.#base);
    } catch {
      return undefined;
    }
    next.searchParams.delete("apiKey");
    const prefix = this.#base.pathname.replace(/\/+$/, "");
    const path =
      next.origin === this.#base.origin && prefix !== "" && next.pathname.startsWith(`${prefix}/`)
        ? next.pathname.slice(prefix.length)
        : next.pathname;
    return `${path}${next.search}`;
  }

  /** Closes the connection pool if this created it; an injected dispatcher is the caller's. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /**
   * The call's token: a pre-paid one (FetchOptions.prepaidCalls) if left, else a budget wait that
   * FetchOptions.budgetSignal may cut short (then rate_limited, and no call is made).
   */
  async #acquireBudget(options: FetchOptions): Promise<ProviderError | undefined> {
    const error = await takeCallToken(this.#budget, options);
    if (error) error.message = this.#redact(error.message);
    return error;
  }

  /**
   * How long a 429 blocks the budget: the Retry-After header if present (seconds or an HTTP
   * date; the live API sends none, §5), else one full budget window.
   */
  #retryAfterMs(header: string | string[] | undefined): number {
    const value = (Array.isArray(header) ? header[0] : header)?.trim();
    let delayMs: number | undefined;
    if (value !== undefined && /^\d+$/.test(value)) {
      delayMs = Number(value) * 1000;
    } else if (value !== undefined && value !== "") {
      const at = Date.parse(value);
      if (Number.isFinite(at)) delayMs = Math.max(0, at - this.#clock.now());
    }
    if (delayMs === undefined) return this.#rateLimitBackoffMs;
    // "Retry-After: 0" after a refusal still means "not this instant": wait at least a second.
    return Math.min(Math.max(delayMs, MIN_RETRY_AFTER_MS), this.#maxRetryAfterMs);
  }

  #redact(text: string): string {
    return text.replaceAll(this.#apiKey, REDACTED);
  }
}
