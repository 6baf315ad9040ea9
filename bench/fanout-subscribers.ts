/**
 * Child process of bench:fanout: K grpc-js WatchAssetUpdates subscribers (each on its own
 * connection, like K trading engines), optionally one more that never reads, and one raw Redis
 * subscriber as the baseline. Prints one JSON line of latencies when told to stop (SIGTERM).
 */
import type * as grpc from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { createGrpcClients } from "../test/support/grpc-clients.js";
import { percentile } from "./support/stats.js";

const [address = "", countArg = "100", stalledArg = "0", redisUrl = ""] = process.argv.slice(2);
const subscribers = Number(countArg);
const withStalled = stalledArg === "1";

const grpcLatencies: number[] = [];
const redisLatencies: number[] = [];
const streams: grpc.ClientReadableStream<unknown>[] = [];
const closers: Array<() => void> = [];

interface PriceMessage {
  initial: boolean;
  price: { timestamp: { seconds: string; nanos: number } };
}

function open(reading: boolean): void {
  const clients = createGrpcClients(address, { "grpc.use_local_subchannel_pool": 1 });
  closers.push(() => clients.close());
  const call = (clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<PriceMessage>)(
    {},
  );
  call.on("error", () => {});
  if (reading) {
    call.on("data", (message: PriceMessage) => {
      if (message.initial) return;
      const sentMs = Number(message.price.timestamp.seconds) * 1000 + message.price.timestamp.nanos / 1e6;
      grpcLatencies.push(Date.now() - sentMs);
    });
  } else {
    // Never reads: HTTP/2 flow control stops the server's writes to this stream.
    call.pause();
  }
  streams.push(call);
}

for (let i = 0; i < subscribers; i++) open(true);
if (withStalled) open(false);

const redis = new Redis(redisUrl);
redis.on("pmessage", (_pattern: string, _channel: string, body: string) => {
  const sentMs = Date.parse((JSON.parse(body) as { data: { timestamp: string } }).data.timestamp);
  redisLatencies.push(Date.now() - sentMs);
});
await redis.psubscribe("asset:update:*");
process.stdout.write("ready\n");

process.once("SIGTERM", () => {
  const summary = (values: number[]) => ({
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
  });
  process.stdout.write(
    `${JSON.stringify({ grpc: summary(grpcLatencies), redis: summary(redisLatencies) })}\n`,
  );
  for (const stream of streams) stream.cancel();
  for (const close of closers) close();
  redis.disconnect();
  process.exit(0);
});
