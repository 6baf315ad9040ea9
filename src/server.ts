import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import type { HealthRegistry } from "./api/health.js";
import { createLoggingInterceptor } from "./api/logging-interceptor.js";
import { createRoutes, type RouteDeps } from "./api/routes.js";
import type { Logger } from "./services/ports.js";

export interface ServerDeps extends RouteDeps {
  health: HealthRegistry;
  logger: Logger;
}

export interface DataServiceServer {
  /** The unstarted HTTP/2 server; main.ts (or a test) calls listen. */
  readonly http: http2.Http2Server;
  /**
   * Stops serving: health NOT_SERVING first, then GOAWAY to every session, open streams ended
   * with UNAVAILABLE, and sessions destroyed after `graceMs` if they are still open.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Builds, without listening, an HTTP/2 cleartext server that speaks gRPC and the Connect
 * protocol on one port. Prior-knowledge HTTP/2 only: grpcurl needs -plaintext, curl
 * --http2-prior-knowledge.
 */
export function buildServer(deps: ServerDeps): DataServiceServer {
  const shutdown = new AbortController();
  const handler = connectNodeAdapter({
    routes: createRoutes(deps),
    grpc: true,
    connect: true,
    grpcWeb: false,
    shutdownSignal: shutdown.signal,
    interceptors: [createLoggingInterceptor(deps.logger)],
  });
  const http = http2.createServer({}, handler);
  // A server with idle client connections never closes by itself: track sessions to close them.
  const sessions = new Set<http2.ServerHttp2Session>();
  http.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  let closing: Promise<void> | undefined;
  const close = (graceMs = 2000): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      deps.health.setAll(ServingStatus.NOT_SERVING);
      http.close(() => resolve());
      for (const session of sessions) session.close();
      shutdown.abort(new ConnectError("server shutting down", Code.Unavailable));
      const fallback = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      fallback.unref();
    });
    return closing;
  };
  return { http, close };
}
