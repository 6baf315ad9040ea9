import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { toConnectError } from "../../../src/api/error-mapping.js";
import {
  ProviderError,
  QueueFullError,
  ShuttingDownError,
  UnknownAssetError,
} from "../../../src/models/errors.js";

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("toConnectError", () => {
  it.each([
    ["an unknown symbol", new UnknownAssetError("NOPE"), Code.InvalidArgument],
    ["a full queue", new QueueFullError("GBPUSD", 10), Code.ResourceExhausted],
    ["shutting down", new ShuttingDownError(), Code.Unavailable],
    ["a provider 429", new ProviderError("rate_limited", "429"), Code.ResourceExhausted],
    ["a provider 5xx", new ProviderError("transient", "502"), Code.Unavailable],
    [
      "a refused database connection",
      withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      Code.Unavailable,
    ],
    [
      "a database shutting down",
      withCode("terminating connection due to administrator command", "57P01"),
      Code.Unavailable,
    ],
    ["a connection exception", withCode("connection failure", "08006"), Code.Unavailable],
    ["a dropped connection", new Error("Connection terminated unexpectedly"), Code.Unavailable],
    ["a SQL error", withCode('relation "x" does not exist', "42P01"), Code.Internal],
    ["a bug", new TypeError("undefined is not a function"), Code.Internal],
  ])("maps %s to %s", (_name, err, code) => {
    expect(toConnectError(err).code).toBe(code);
  });

  it("keeps a ConnectError as it is and never shows an internal error's text", () => {
    const original = new ConnectError("nope", Code.PermissionDenied);
    expect(toConnectError(original)).toBe(original);
    expect(toConnectError(new Error("password=hunter2 in a stack")).rawMessage).not.toContain("hunter2");
  });
});
