import { pino } from "pino";
import type { LogLevel } from "./config/settings.js";

/**
 * JSON logs on stdout. Secrets are passed to no log call; the redaction is a second line of
 * defence for objects that might carry them (request headers, client options).
 */
export function createLogger(level: LogLevel): pino.Logger {
  return pino({
    level,
    base: { service: "data-service" },
    redact: {
      paths: [
        "apiKey",
        "*.apiKey",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
        "token",
        "*.token",
      ],
      censor: "[redacted]",
    },
  });
}
