import { readFileSync } from "node:fs";
import { createRegistry, type DescFile, type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/**
 * gRPC server reflection, v1 and v1alpha (grpcurl asks v1 first, then v1alpha). No npm package
 * serves reflection for connect-node, so it is answered here from the generated descriptors.
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const all = [...services, v1.ServerReflection, v1alpha.ServerReflection];
  const files = withDependencies(all.map((service) => service.file));
  const registry = createRegistry(...files.values());
  const annotated = loadAnnotatedDescriptors();
  /** The requested file first, then its transitive dependencies, as grpcurl expects. */
  const fileResponse = (file: DescFile): ReflectionAnswer => {
    const chain = [...withDependencies([file]).values()].reverse();
    return {
      case: "fileDescriptorResponse",
      value: {
        fileDescriptorProto: chain.map(
          (f) => annotated.get(f.proto.name) ?? toBinary(FileDescriptorProtoSchema, f.proto),
        ),
      },
    };
  };

  const answer = (query: ReflectionQuery): ReflectionAnswer => {
    switch (query.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: all.map((s) => ({ name: s.typeName })) } };
      case "fileByFilename": {
        const file = files.get(query.value);
        return file ? fileResponse(file) : notFound(`file "${query.value}"`);
      }
      case "fileContainingSymbol": {
        // Methods and fields are not registry entries: fall back to their parent's file.
        const desc = registry.get(query.value) ?? registry.get(parentName(query.value));
        return desc ? fileResponse(desc.file) : notFound(`symbol "${query.value}"`);
      }
      case "fileContainingExtension": {
        const extendee = registry.getMessage(query.value.containingType);
        const extension = extendee && registry.getExtensionFor(extendee, query.value.extensionNumber);
        return extension
          ? fileResponse(extension.file)
          : notFound(`extension of "${query.value.containingType}"`);
      }
      case "allExtensionNumbersOfType": {
        const extendee = registry.getMessage(query.value);
        if (!extendee) return notFound(`type "${query.value}"`);
        const numbers = [...registry].flatMap((d) =>
          d.kind === "extension" && d.extendee.typeName === extendee.typeName ? [d.number] : [],
        );
        return {
          case: "allExtensionNumbersResponse",
          value: { baseTypeName: extendee.typeName, extensionNumber: numbers },
        };
      }
      default:
        return {
          case: "errorResponse",
          value: { errorCode: Code.InvalidArgument, errorMessage: "empty request" },
        };
    }
  };

  // v1 and v1alpha messages have the same fields; one responder serves both.
  async function* respond<R extends { host: string; messageRequest: ReflectionQuery }>(
    requests: AsyncIterable<R>,
  ) {
    for await (const request of requests) {
      yield {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answer(request.messageRequest),
      };
    }
  }
  router.service(v1.ServerReflection, { serverReflectionInfo: respond });
  router.service(v1alpha.ServerReflection, { serverReflectionInfo: respond });
}

/** The request oneof, common to v1 and v1alpha. */
type ReflectionQuery =
  | {
      case: "listServices" | "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType";
      value: string;
    }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: undefined; value?: undefined };

/** The response oneof, common to v1 and v1alpha. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

function notFound(what: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}

/** Files by name, each after its dependencies. */
function withDependencies(roots: readonly DescFile[]): Map<string, DescFile> {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    seen.set(file.proto.name, file);
  };
  for (const root of roots) visit(root);
  return seen;
}

function parentName(symbol: string): string {
  return symbol.slice(0, Math.max(0, symbol.lastIndexOf(".")));
}

/**
 * The descriptors that `npm run generate` writes with `buf build` (gen/descriptors.binpb, next to
 * the generated code in src/ and dist/ alike), by file name. Unlike the descriptors embedded in
 * generated code they keep the .proto comments, so `grpcurl describe` shows them. Empty when the
 * file is missing: reflection then serves the embedded descriptors, without comments.
 */
function loadAnnotatedDescriptors(): Map<string, Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(new URL("../../gen/descriptors.binpb", import.meta.url));
  } catch {
    return new Map();
  }
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return new Map(set.file.map((file) => [file.name, toBinary(FileDescriptorProtoSchema, file)]));
}
