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
  // Unknown failures (a dropped database connection, a bug) keep their cause for the log but
  // tell the client only that the service could not answer.
  return new ConnectError("internal error; see the server log", Code.Internal, undefined, undefined, err);
}
