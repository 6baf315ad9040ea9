import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));

/** grpc-js clients built from the .proto files: an independent implementation of the wire format. */
export interface GrpcClients {
  batch: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  health: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  close(): void;
}

const definition = protoLoader.loadSync(["batch/v1/batch.proto", "grpc/health/v1/health.proto"], {
  includeDirs: [PROTO_DIR],
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  batch: { v1: { BatchService: grpc.ServiceClientConstructor } };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

export function createGrpcClients(address: string, options: grpc.ChannelOptions = {}): GrpcClients {
  const credentials = grpc.credentials.createInsecure();
  const batch = new loaded.batch.v1.BatchService(address, credentials, options) as GrpcClients["batch"];
  const health = new loaded.grpc.health.v1.Health(address, credentials, options) as GrpcClients["health"];
  return {
    batch,
    health,
    close() {
      batch.close();
      health.close();
    },
  };
}

/** Calls a unary method and resolves with its response, or rejects with the grpc-js ServiceError. */
export function unary<T>(
  client: GrpcClients["batch"],
  method: string,
  request: object,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as (
      req: object,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res: T) => void,
    ) => void;
    fn.call(client, request, metadata, { deadline: Date.now() + 15_000 }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}
