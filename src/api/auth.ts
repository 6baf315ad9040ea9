import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Guards the admin RPCs (RunBatch, EnqueueAsset) with `authorization: Bearer <BATCH_ADMIN_TOKEN>`.
 * Missing credentials → UNAUTHENTICATED; a wrong token, or admin RPCs disabled → PERMISSION_DENIED.
 */
export function createAdminGuard(adminToken: string | undefined): (headers: Headers) => void {
  // Digests have equal lengths, so the comparison takes the same time whatever was sent.
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return (headers) => {
    if (expected === undefined) {
      throw new ConnectError(
        "admin RPCs are disabled: set BATCH_ADMIN_TOKEN on the server to enable them",
        Code.PermissionDenied,
      );
    }
    const presented = bearerToken(headers.get("authorization"));
    if (presented === undefined) {
      throw new ConnectError(
        "missing credentials: send `authorization: Bearer <token>`",
        Code.Unauthenticated,
      );
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new ConnectError("the admin token is not valid", Code.PermissionDenied);
    }
  };
}

function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
