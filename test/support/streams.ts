import type * as grpc from "@grpc/grpc-js";

/** Resolves with the first `count` messages (or fewer if the stream ends); rejects on a stream error. */
export function collect<T>(stream: grpc.ClientReadableStream<T>, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on("data", (item: T) => {
      items.push(item);
      if (items.length === count) resolve(items);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(items));
  });
}

/** Resolves with the status that ends the stream (OK or an error code) after reading everything. */
export function finalStatus(stream: grpc.ClientReadableStream<unknown>): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("status", resolve);
  });
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
