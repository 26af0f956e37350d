import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Program {
  child: ChildProcess;
  url: string;
  /** What the program printed on stderr so far. */
  stderr(): string;
}

/** Starts the program as `npm start` does (node with tsx on src/runtime/main.ts), and resolves once it serves HTTP. */
export async function startProgram(env: Record<string, string>, started: ChildProcess[] = []): Promise<Program> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/runtime/main.ts"], {
    env: { ...process.env, HTTP_PORT: String(port), HTTP_HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the program exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(`${url}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return { child, url, stderr: () => stderr };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the program did not start: ${stderr}`);
}

/** Runs the program until it exits by itself (a start that must fail), with what it printed. */
export async function failedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/runtime/main.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stderr };
}
