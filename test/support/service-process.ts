import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  address: string;
  /** Every stdout and stderr line so far (JSON log lines from pino). */
  output: string[];
  /** Sends a signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts the real service (`src/main.ts`) as its own process on an ephemeral port and waits for
 * its "data-service listening" log line.
 */
export async function startService(env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service did not start in ${timeoutMs} ms:\n${output.join("\n")}`)),
      timeoutMs,
    );
    const onLine = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        output.push(line);
        const match = line.includes('"data-service listening"') ? line.match(/"port":(\d+)/) : null;
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    };
    child.stdout?.on("data", onLine);
    child.stderr?.on("data", onLine);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${output.join("\n")}`));
    });
  });
  return {
    child,
    port,
    address: `127.0.0.1:${port}`,
    output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 };
      const started = performance.now();
      child.kill(signal);
      const [code] = (await once(child, "exit")) as [number | null];
      return { code, ms: performance.now() - started };
    },
  };
}

/** Runs the service expecting it to exit by itself (e.g. on bad configuration). */
export async function runServiceToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}
