import { Code, ConnectError } from "@connectrpc/connect";
import { ProviderError, QueueFullError, ShuttingDownError, UnknownAssetError } from "../models/errors.js";

/** Maps any error thrown by the core to the one gRPC code a client should act on. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof UnknownAssetError)
    return new ConnectError(err.message, Code.InvalidArgument, undefined, undefined, err);
  if (err instanceof QueueFullError)
    return new ConnectError(err.message, Code.ResourceExhausted, undefined, undefined, err);
  if (err instanceof ShuttingDownError)
    return new ConnectError(err.message, Code.Unavailable, undefined, undefined, err);
  if (err instanceof ProviderError) {
    const code = err.kind === "rate_limited" ? Code.ResourceExhausted : Code.Unavailable;
    return new ConnectError(`provider error: ${err.message}`, code, undefined, undefined, err);
  }
  if (isConnectionFailure(err)) {
    return new ConnectError(
      "the store is unavailable; retry later",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  // Unknown failures (a bug) keep their cause for the log but tell the client only that the
  // service could not answer.
  return new ConnectError("internal error; see the server log", Code.Internal, undefined, undefined, err);
}

/** Socket errors and the SQLSTATEs of a lost or refusing server: the client should retry. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);

function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    // Class 08: connection exception; 57P01–57P03: the server is shutting down or starting.
    if (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code)) return true;
  }
  // pg reports a dropped connection without a code.
  return /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}
