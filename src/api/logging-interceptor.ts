import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../services/ports.js";

/**
 * Logs each unary call and the start of each stream; errors the client cannot act on (INTERNAL,
 * UNKNOWN) are logged with their cause, which the client never sees.
 */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const started = performance.now();
    try {
      const res = await next(req);
      logger.debug({ method, ms: Math.round(performance.now() - started) }, "rpc");
      return res;
    } catch (err) {
      const error = ConnectError.from(err);
      const fields = { method, code: Code[error.code], ms: Math.round(performance.now() - started) };
      if (error.code === Code.Internal || error.code === Code.Unknown) {
        logger.error({ ...fields, err: error.cause ?? error }, "rpc failed");
      } else {
        logger.info({ ...fields, reason: error.rawMessage }, "rpc refused");
      }
      throw err;
    }
  };
}
