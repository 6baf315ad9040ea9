import { randomUUID } from "node:crypto";

/** A channel prefix no other test or run uses, so tests sharing one Redis never see each other's events. */
export function randomChannelPrefix(): string {
  return `test:${randomUUID()}:`;
}
