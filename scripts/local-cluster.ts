/**
 * A real Redis Cluster of three masters on this machine, for the tests (`cluster` project) and the
 * replicas benchmark: started from `redis-server` and `redis-cli` on free ports (each with its bus
 * port, +10000, free too), in a temporary directory; `stop` kills the servers and removes it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { ClusterNode } from "../src/core/store/redis/client.js";

const run = promisify(execFile);
const MASTERS = 3;
const HOST = "127.0.0.1";

export interface LocalCluster {
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

export async function startLocalCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "puente-cluster-"));
  const servers: ChildProcess[] = [];
  const stop = async () => {
    for (const server of servers) server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes = await clusterPorts();
    for (const { port } of nodes) servers.push(startNode(dir, port));
    for (const { port } of nodes) await until(async () => (await cli(port, "ping")).trim() === "PONG", `node ${port}`);
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map(({ port }) => `${HOST}:${port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const { port } of nodes)
      await until(async () => (await cli(port, "cluster", "info")).includes("cluster_state:ok"), `cluster on ${port}`);
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Ports whose cluster bus port (port + 10000) is free as well. */
async function clusterPorts(): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  while (nodes.length < MASTERS) {
    const port = await freePort();
    if (port > 55_000 || nodes.some((node) => node.port === port)) continue;
    if (await portFree(port + 10_000)) nodes.push({ host: HOST, port });
  }
  return nodes;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once("error", () => resolve(false))
      .listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

function startNode(dir: string, port: number): ChildProcess {
  const server = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      HOST,
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--cluster-node-timeout",
      "3000",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: "ignore" },
  );
  server.unref();
  return server;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), ...args]).catch(() => ({ stdout: "" }));
  return stdout;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`the local Redis Cluster did not come up: ${what}`);
}
