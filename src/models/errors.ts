/**
 * Typed domain errors. Core code throws these; api/error-mapping.ts maps each to one gRPC code.
 */

/** How a provider failure must be handled (reference/polygon-api.md §5). */
export type ProviderErrorKind =
  /** 401: bad or missing key. Fatal configuration error, never retried. */
  | "unauthorized"
  /** 403 NOT_AUTHORIZED: the plan does not include the endpoint. Not retried. */
  | "not_entitled"
  /** 429: the key's budget is spent. Requeued without spending a retry. */
  | "rate_limited"
  /** 404 or per-item NOT_FOUND: unknown ticker. Not retried. */
  | "not_found"
  /** 5xx, timeout, connection error. Retried through requeue and demotion. */
  | "transient"
  /** Non-JSON, empty, or a snapshot that fails validation. Retried like transient. */
  | "invalid_response";

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Worth trying again later through the queue. */
  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "invalid_response" || this.kind === "rate_limited";
  }
}

/** A symbol that is not in the catalog. */
export class UnknownAssetError extends Error {
  override readonly name = "UnknownAssetError";
  constructor(readonly symbol: string) {
    super(`unknown asset symbol "${symbol}"`);
  }
}

/** The secondary queue is at max_size. */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
  constructor(
    readonly symbol: string,
    readonly maxSize: number,
  ) {
    super(`queue is full (${maxSize} items); ${symbol} was not queued`);
  }
}

/** The service is stopping and takes no new work. */
export class ShuttingDownError extends Error {
  override readonly name = "ShuttingDownError";
  constructor() {
    super("service is shutting down");
  }
}
