/**
 * Container health probe: asks this process's own grpc.health.v1 Check over the Connect protocol
 * and exits 0 only when the server answers SERVING. Used by docker-compose.yml and the Dockerfile.
 */
import http2 from "node:http2";

const host = process.env.HEALTHCHECK_HOST ?? "127.0.0.1";
const port = process.env.PORT ?? "50051";

const session = http2.connect(`http://${host}:${port}`);
session.on("error", () => process.exit(1));
const request = session.request({
  ":method": "POST",
  ":path": "/grpc.health.v1.Health/Check",
  "content-type": "application/json",
});
let body = "";
request.setEncoding("utf8");
request.on("data", (chunk: string) => {
  body += chunk;
});
request.on("end", () => {
  session.close();
  process.exit(body.includes('"SERVING"') ? 0 : 1);
});
request.setTimeout(3000, () => process.exit(1));
request.end("{}");
