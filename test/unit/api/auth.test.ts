import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createAdminGuard } from "../../../src/api/auth.js";

const TOKEN = "admin-token-0123456789";

function codeOf(check: () => void): Code | "ok" {
  try {
    check();
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe("createAdminGuard", () => {
  const guard = createAdminGuard(TOKEN);

  it.each([
    ["no header", {}, Code.Unauthenticated],
    ["a non-bearer scheme", { authorization: `Basic ${TOKEN}` }, Code.Unauthenticated],
    ["an empty bearer", { authorization: "Bearer " }, Code.Unauthenticated],
    ["a wrong token", { authorization: "Bearer not-the-token-000000" }, Code.PermissionDenied],
    ["a prefix of the token", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, Code.PermissionDenied],
    ["the token", { authorization: `Bearer ${TOKEN}` }, "ok"],
    ["the token with a lower-case scheme", { authorization: `bearer ${TOKEN}` }, "ok"],
  ] as const)("answers %s with %s", (_name, headers, expected) => {
    expect(codeOf(() => guard(new Headers(headers)))).toBe(expected);
  });

  it("refuses every call with PERMISSION_DENIED and says how to enable admin RPCs when no token is set", () => {
    const disabled = createAdminGuard(undefined);
    expect(codeOf(() => disabled(new Headers({ authorization: `Bearer ${TOKEN}` })))).toBe(
      Code.PermissionDenied,
    );
    expect(() => disabled(new Headers())).toThrow(/BATCH_ADMIN_TOKEN/);
  });

  it("never repeats the presented token in its error", () => {
    expect(() => guard(new Headers({ authorization: "Bearer leaked-guess-123456" }))).not.toThrow(
      /leaked-guess/,
    );
  });
});
