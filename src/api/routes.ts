import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { BatchService } from "../../gen/batch/v1/batch_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { createHealthService, type HealthRegistry } from "./health.js";
import { registerReflection } from "./reflection.js";

export interface RouteDeps {
  batchService: ServiceImpl<typeof BatchService>;
  health: HealthRegistry;
}

/** Every service the server speaks: BatchService, grpc.health.v1 and reflection v1 + v1alpha. */
export function createRoutes(deps: RouteDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(BatchService, deps.batchService);
    router.service(Health, createHealthService(deps.health));
    registerReflection(router, [BatchService, Health]);
  };
}

/** Health name of the price-event bus: NOT_SERVING while updates cannot be published. */
export const EVENTS_HEALTH_NAME = "data_service.events";

/**
 * Health name of the market-data provider: NOT_SERVING while it rejects POLYGON_API_KEY (see
 * watchProviderHealth in health.ts).
 */
export const PROVIDER_HEALTH_NAME = "data_service.provider";

/** Health name of the database: NOT_SERVING while it does not answer. */
export const STORE_HEALTH_NAME = "data_service.store";

/** Service names reported by grpc.health.v1 besides the whole server (""). */
export const HEALTH_SERVICE_NAMES = [
  BatchService.typeName,
  EVENTS_HEALTH_NAME,
  PROVIDER_HEALTH_NAME,
  STORE_HEALTH_NAME,
];
