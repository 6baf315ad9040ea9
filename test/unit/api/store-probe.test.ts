import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.js";
import { HealthRegistry } from "../../../src/api/health.js";
import { watchStoreHealth } from "../../../src/api/store-probe.js";
import { FakeLogger } from "../../support/fakes.js";

describe("watchStoreHealth", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports NOT_SERVING while pings fail, SERVING when they pass, logging each change once", async () => {
    const registry = new HealthRegistry([
      "batch.v1.BatchService",
      "data_service.store",
      "data_service.events",
    ]);
    registry.setAll(Status.SERVING);
    const logger = new FakeLogger();
    let up = true;
    const stop = watchStoreHealth({
      registry,
      ping: async () => {
        if (!up) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      },
      names: ["", "batch.v1.BatchService", "data_service.store"],
      intervalMs: 1000,
      logger,
    });

    up = false;
    await vi.advanceTimersByTimeAsync(3000);
    expect(registry.get("")).toBe(Status.NOT_SERVING);
    expect(registry.get("data_service.store")).toBe(Status.NOT_SERVING);
    expect(registry.get("data_service.events")).toBe(Status.SERVING);
    expect(logger.messages("error")).toHaveLength(1);

    up = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(registry.get("batch.v1.BatchService")).toBe(Status.SERVING);
    expect(logger.messages("info")).toEqual(["the store answers again"]);

    stop();
    registry.setAll(Status.NOT_SERVING);
    await vi.advanceTimersByTimeAsync(5000);
    expect(registry.get("")).toBe(Status.NOT_SERVING);
  });

  it("does not let a ping that settles after stop undo NOT_SERVING", async () => {
    const registry = new HealthRegistry([]);
    registry.setAll(Status.SERVING);
    let release: () => void = () => {};
    const stop = watchStoreHealth({
      registry,
      ping: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      names: [""],
      intervalMs: 1000,
      logger: new FakeLogger(),
    });
    await vi.advanceTimersByTimeAsync(1000);
    stop();
    registry.setAll(Status.NOT_SERVING);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(registry.get("")).toBe(Status.NOT_SERVING);
  });
});
