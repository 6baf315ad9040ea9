/** API keys of the sandbox and how a request presents one (reference/polygon-api.md §1). */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The live API's plans that matter here: "free" has no snapshot endpoints. */
export type Plan = "paid" | "free";

export interface SandboxKey {
  key: string;
  plan: Plan;
  /** Calls served per rolling `windowMs`. */
  limit: number;
  windowMs: number;
}

/** A new paid key with the budget of DESIGN.md's defaults (POLYGON_RATE_LIMIT 5 per 60 s). */
export function generateKey(): SandboxKey {
  return { key: `sandbox_${randomBytes(12).toString("hex")}`, plan: "paid", limit: 5, windowMs: 60_000 };
}

/** The key a request carries: the Bearer header first, then the `apiKey` query parameter. */
export function presentedKey(request: IncomingMessage, url: URL): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
  return bearer ?? (url.searchParams.get("apiKey") || null);
}
