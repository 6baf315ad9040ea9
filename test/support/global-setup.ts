import net from "node:net";
import { HOW_TO_START_SERVERS, TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.js";

/** Fails the whole run at once, with one clear message, when PostgreSQL or Redis is unreachable. */
export default async function checkServers(): Promise<void> {
  const missing: string[] = [];
  for (const [name, url] of [
    ["PostgreSQL", TEST_DATABASE_URL],
    ["Redis", TEST_REDIS_URL],
  ] as const) {
    const { hostname, port } = new URL(url);
    const reachable = await canConnect(hostname, Number(port));
    if (!reachable) missing.push(`${name} at ${hostname}:${port}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `Tests need the real servers, but ${missing.join(" and ")} did not answer: ${HOW_TO_START_SERVERS}.`,
    );
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
