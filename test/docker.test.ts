import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configSchema, loadConfig } from "../src/runtime/config.js";

/**
 * The deployment files in docker/, read as a person (or Docker) reads them: no Docker engine runs
 * here. What they must say: Redis keeps everything (AOF every second, on a volume, never evicting);
 * Puente is health-checked, restarted, stopped gracefully, reads its secrets from puente.env and
 * keeps the WhatsApp session on a volume; the replicas file puts two replicas behind the proxy in
 * webhook mode; the Dockerfile copies everything the program reads at start; puente.env.example
 * names only variables the program knows. When a compose implementation is installed, it checks
 * each file too (`config -q`).
 */

const root = join(import.meta.dirname, "..");
const dockerDir = join(root, "docker");
const read = (file: string) => readFileSync(join(dockerDir, file), "utf8");

type Mapping = Record<string, unknown>;

interface Service extends Mapping {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Mapping | string[];
  env_file?: string | Array<string | { path: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  ports?: Array<string | number | { target: number; published?: string | number; host_ip?: string }>;
  expose?: Array<string | number>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  deploy?: { replicas?: number };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** A compose file with YAML merge keys (`<<: *puente`) resolved, as Docker Compose resolves them. */
function compose(file: string): ComposeFile {
  return parse(read(file), { merge: true }) as ComposeFile;
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((pair) => [pair.split("=")[0] ?? "", pair.split("=").slice(1).join("=")]));
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value ?? "")]));
}

function envFiles(service: Service): string[] {
  const files = service.env_file === undefined ? [] : [service.env_file].flat();
  return files.map((file) => (typeof file === "string" ? file : file.path));
}

interface Mount {
  source: string | undefined;
  target: string;
}

function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== "string") return { source: volume.source, target: volume.target };
    const parts = volume.split(":");
    return parts.length === 1
      ? { source: undefined, target: parts[0] ?? "" }
      : { source: parts[0], target: parts[1] ?? "" };
  });
}

/** The command as the words redis-server gets. */
function words(command: Service["command"]): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command.map(String) : command.split(/\s+/).filter(Boolean);
}

/** The value after a flag (`--appendfsync everysec`), as redis-server reads its command line. */
function flag(command: string[], name: string): string | undefined {
  const at = command.indexOf(`--${name}`);
  return at === -1 ? undefined : command[at + 1];
}

function seconds(duration: string | undefined): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration ?? "");
  if (!duration || !match) return 0;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

function healthCommand(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
}

function dependsOnHealthy(service: Service, on: string): boolean {
  const deps = service.depends_on;
  if (!deps || Array.isArray(deps)) return false;
  return deps[on]?.condition === "service_healthy";
}

/** Whether a container path is the mount target or inside it. */
function within(path: string, target: string): boolean {
  const relative = posix.relative(target, path);
  return !relative.startsWith("..") && !posix.isAbsolute(relative);
}

function expectDurableRedis(file: ComposeFile, name: string): void {
  const redis = file.services.redis;
  expect(redis, `${name}: a redis service`).toBeDefined();
  if (!redis) return;
  expect(redis.image).toMatch(/^redis:7/);
  const command = words(redis.command);
  expect(flag(command, "appendonly")).toBe("yes");
  expect(flag(command, "appendfsync")).toBe("everysec");
  expect(flag(command, "maxmemory-policy"), "sessions and queued jobs must never be evicted").toBe("noeviction");
  const data = mounts(redis).find((mount) => mount.target === "/data");
  expect(data?.source, `${name}: Redis's /data on a named volume`).toBeDefined();
  expect(Object.keys(file.volumes ?? {})).toContain(data?.source);
  expect(healthCommand(redis)).toMatch(/redis-cli ping/);
  expect(redis.ports, `${name}: Redis is never published`).toBeUndefined();
  expect(redis.restart).toBe("unless-stopped");
}

/** What every Puente container needs, alone or as one of the replicas. */
function expectWellRunPuente(service: Service, label: string): void {
  expect(service.build?.dockerfile, label).toBe("docker/Dockerfile");
  expect(service.build?.context, label).toBe("..");
  expect(envFiles(service), `${label}: secrets from the env file`).toEqual(["puente.env"]);
  expect(healthCommand(service), `${label}: health check on /healthz`).toMatch(/\/healthz/);
  expect(service.healthcheck?.disable).not.toBe(true);
  expect(service.restart, label).toBe("unless-stopped");
  expect(dependsOnHealthy(service, "redis"), `${label}: starts once Redis is healthy`).toBe(true);
  expect(service.init, `${label}: an init process reaps Chromium's children and passes SIGTERM on`).toBe(true);
  expect(seconds(service.stop_grace_period), `${label}: time to finish the updates in hand`).toBeGreaterThanOrEqual(30);
  const env = environment(service);
  expect(env.REDIS_URL, label).toBe("redis://redis:6379/0");
  expect(env.HTTP_PORT, label).toBe("3000");
  expect(healthCommand(service), `${label}: the health check asks the port Puente listens on`).toContain(
    `127.0.0.1:${env.HTTP_PORT}/`,
  );
}

/** Whether the container keeps WHATSAPP_DATA_DIR on a named volume of the file. */
function whatsappSessionOnVolume(file: ComposeFile, service: Service): boolean {
  const dir = environment(service).WHATSAPP_DATA_DIR ?? "";
  return (
    posix.isAbsolute(dir) &&
    mounts(service).some(
      (mount) =>
        mount.source !== undefined && Object.hasOwn(file.volumes ?? {}, mount.source) && within(dir, mount.target),
    )
  );
}

/** `KEY=value` and commented-out `# KEY=value` lines of an env file. */
function namedVariables(text: string): { name: string; value: string; commented: boolean }[] {
  return text.split("\n").flatMap((line) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    return match ? [{ name: match[2] ?? "", value: match[3] ?? "", commented: match[1] !== undefined }] : [];
  });
}

describe("docker/compose.yaml: one office on one server", () => {
  const file = compose("compose.yaml");

  it("keeps Redis durable: AOF flushed every second, on a named volume, health-checked, never evicting", () => {
    expectDurableRedis(file, "compose.yaml");
  });

  it("runs Puente health-checked, restarted, stopped gracefully, with its secrets from puente.env", () => {
    const puente = file.services.puente;
    expect(puente).toBeDefined();
    if (puente) expectWellRunPuente(puente, "puente");
  });

  it("keeps the WhatsApp session on a named volume", () => {
    const puente = file.services.puente as Service;
    expect(environment(puente).WHATSAPP_DATA_DIR).toBe("/app/data/whatsapp");
    expect(whatsappSessionOnVolume(file, puente)).toBe(true);
  });

  it("publishes one HTTP port, on the server's loopback unless the deployer chooses an address", () => {
    const ports = (file.services.puente?.ports ?? []).map(String);
    expect(ports).toEqual(["127.0.0.1:3000:3000"]);
    expect(Object.keys(file.services).sort()).toEqual(["puente", "redis"]);
  });
});

describe("docker/compose.replicas.yaml: two replicas behind the proxy, Telegram by webhook", () => {
  const file = compose("compose.replicas.yaml");
  const replicas = Object.entries(file.services).filter(([, service]) => service.build?.dockerfile !== undefined);

  it("keeps Redis durable, as the one-server file does", () => {
    expectDurableRedis(file, "compose.replicas.yaml");
  });

  it("runs two Puente replicas, each as well run as the single one, behind the proxy only", () => {
    const count = replicas.reduce((sum, [, service]) => sum + (service.deploy?.replicas ?? 1), 0);
    expect(count).toBeGreaterThanOrEqual(2);
    for (const [name, service] of replicas) {
      expectWellRunPuente(service, name);
      expect(service.ports, `${name}: reached only through the proxy`).toBeUndefined();
      expect(environment(service).TRUST_PROXY, `${name}: addresses from X-Forwarded-For`).toBe("true");
      expect(environment(service).STAFF_PORT, `${name}: the dashboard where the proxy sends it`).toBe("");
    }
  });

  it("runs WhatsApp on one replica, the one that keeps the session on a volume", () => {
    const mayRunWhatsApp = replicas.filter(([, service]) => environment(service).WHATSAPP_ENABLED !== "false");
    expect(mayRunWhatsApp.map(([name]) => name)).toEqual(["puente-1"]);
    const [, holder] = mayRunWhatsApp[0] ?? [];
    expect(holder && whatsappSessionOnVolume(file, holder)).toBe(true);
  });

  it("puts Caddy in front: HTTPS to the internet, the office's site on loopback, both on /readyz", () => {
    const proxy = file.services.proxy;
    expect(proxy?.image).toMatch(/^caddy:2/);
    const ports = (proxy?.ports ?? []).map(String);
    expect(ports).toEqual(expect.arrayContaining(["80:80", "443:443", "127.0.0.1:8080:8080"]));
    expect(mounts(proxy as Service)).toContainEqual({ source: "./Caddyfile", target: "/etc/caddy/Caddyfile" });
    const caddyfile = read("Caddyfile");
    const upstreams = replicas.map(([name]) => `${name}:3000`).join(" ");
    expect(caddyfile).toContain(`reverse_proxy ${upstreams} {`);
    expect(caddyfile).toMatch(/health_uri \/readyz/);
    expect(caddyfile).toMatch(/^\{\$PUENTE_DOMAIN\} \{$/m);
    expect(caddyfile).toMatch(/@office_only path \/staff \/staff\/\* \/metrics\n\s*respond @office_only 404/);
    expect(caddyfile).toMatch(/^:8080 \{$/m);
    // Every variable the Caddyfile reads is given to the proxy's container.
    for (const [, name] of caddyfile.matchAll(/\{\$([A-Z_]+)[}:]/g))
      expect(Object.keys(environment(proxy as Service))).toContain(name);
  });

  it("names the webhook variables for the deployer, and puente.env.example has them", () => {
    const text = read("compose.replicas.yaml");
    const example = namedVariables(read("puente.env.example")).map((variable) => variable.name);
    for (const name of ["TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"]) {
      expect(text).toContain(name);
      expect(example).toContain(name);
    }
    expect(text).toContain("/telegram/webhook");
  });

  it("takes every variable it interpolates from docker/.env.example", () => {
    const dotEnv = namedVariables(read(".env.example")).map((variable) => variable.name);
    const interpolated = [...read("compose.replicas.yaml").matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]);
    expect(interpolated.length).toBeGreaterThan(0);
    for (const name of interpolated) expect(dotEnv).toContain(name);
    expect(read("compose.yaml")).not.toMatch(/\$\{/);
  });
});

describe("docker/Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const lines = dockerfile.replace(/\\\n/g, " ").split("\n");
  const copies = lines
    .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
    .map((line) => line.trim().split(/\s+/).slice(1))
    .map((args) => ({ sources: args.slice(0, -1), destination: args.at(-1) ?? "" }));
  const workdir = /^WORKDIR\s+(\S+)/m.exec(dockerfile)?.[1] ?? "/";
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));

  it("copies only files that are in the repository and not left out by .dockerignore", () => {
    expect(copies.length).toBeGreaterThan(0);
    for (const { sources } of copies)
      for (const source of sources) {
        expect(existsSync(join(root, source)), `${source} exists`).toBe(true);
        expect(ignored, `${source} is not in .dockerignore`).not.toContain(source);
      }
  });

  it("copies everything the program reads at start: flows, texts, rules, the office file", () => {
    const defaults = loadConfig({});
    const copied = copies.flatMap(({ sources, destination }) =>
      sources.map((source) =>
        posix.normalize(
          destination.endsWith("/") ? posix.join(workdir, destination, source) : posix.join(workdir, destination),
        ),
      ),
    );
    for (const path of [defaults.FLOWS_DIR, defaults.LOCALES_DIR, defaults.RULES_DIR, defaults.OFFICE_FILE, "src"])
      expect(copied, `${path} is in the image`).toContain(posix.join(workdir, path));
  });

  it("runs node itself (exec form, no shell), as the node user, with the data dir made for it", () => {
    expect(dockerfile).toMatch(/^CMD \["node", "--import", "tsx", "src\/runtime\/main\.ts"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/mkdir -p \/app\/data\/whatsapp && chown -R node:node \/app\/data/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    // `npm run staff` in the container: tsx must be a production dependency.
    expect(packageJson.dependencies.tsx).toBeDefined();
    expect(packageJson.scripts.staff).toMatch(/^tsx /);
  });
});

describe("docker/puente.env.example", () => {
  const text = read("puente.env.example");
  const variables = namedVariables(text);
  const known = new Set(Object.keys(configSchema.shape));
  /**
   * Being added to the configuration schema at the same time as these files (Redis Cluster); until
   * it is there, the example may name it (commented out).
   */
  const comingSoon = new Set(["REDIS_CLUSTER_NODES"]);

  it("names only variables the configuration knows", () => {
    expect(variables.length).toBeGreaterThan(20);
    const unknown = variables
      .map((variable) => variable.name)
      .filter((name) => !known.has(name) && !comingSoon.has(name));
    expect(unknown).toEqual([]);
  });

  it("holds no secret: every secret is left empty, with how to make one", () => {
    for (const name of [
      "ANON_SECRET",
      "CONTACT_KEY",
      "STAFF_WEBHOOK_SECRET",
      "TELEGRAM_WEBHOOK_SECRET",
      "TELEGRAM_BOT_TOKEN",
      "STAFF_TOKENS",
    ])
      expect(variables.find((variable) => variable.name === name)?.value, name).toBe("");
    expect(text).toContain("openssl rand -hex 32");
  });

  it("leaves to the compose file what the compose file sets", () => {
    const setByCompose = Object.keys(environment(compose("compose.yaml").services.puente as Service));
    const assigned = variables.filter((variable) => !variable.commented).map((variable) => variable.name);
    expect(assigned.filter((name) => setByCompose.includes(name))).toEqual([]);
  });

  it("starts as it is once ANON_SECRET is filled in, with what compose.yaml adds", () => {
    const env = Object.fromEntries(
      variables.filter((variable) => !variable.commented).map((variable) => [variable.name, variable.value]),
    );
    const composed = { ...env, ...environment(compose("compose.yaml").services.puente as Service) };
    expect(() => loadConfig(composed)).toThrow(/ANON_SECRET is required/);
    const config = loadConfig({ ...composed, ANON_SECRET: "0".repeat(64) });
    expect(config.REDIS_URL).toBe("redis://redis:6379/0");
    expect(config.WHATSAPP_DATA_DIR).toBe("/app/data/whatsapp");
  });
});

/** `docker compose` (the plugin) or `docker-compose` (Debian's), whichever answers. */
function composeCommand(): string[] | undefined {
  const candidates = [["docker", "compose"], ["docker-compose"]];
  return candidates.find(([command = "", ...args]) => {
    const result = spawnSync(command, [...args, "version"], { encoding: "utf8", timeout: 20_000 });
    return result.status === 0;
  });
}

const NO_COMPOSE =
  "no compose implementation here (neither `docker compose` nor `docker-compose` answers `version`; Debian: apt-get install docker-compose)";

describe("a compose implementation reads both files", () => {
  const command = composeCommand();
  // A copy of docker/ with a puente.env made from the example and a docker/.env, as a deployer has.
  const scratch = mkdtempSync(join(tmpdir(), "puente-compose-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  cpSync(dockerDir, join(scratch, "docker"), { recursive: true });
  writeFileSync(join(scratch, "docker", "puente.env"), read("puente.env.example"));
  writeFileSync(join(scratch, "docker", ".env"), "PUENTE_DOMAIN=puente.example.org\n");

  for (const file of ["compose.yaml", "compose.replicas.yaml"])
    it(`${file}: config -q exits 0`, (ctx) => {
      if (!command) ctx.skip(NO_COMPOSE);
      const [program = "", ...args] = command ?? [];
      const result = spawnSync(program, [...args, "-f", `docker/${file}`, "config", "-q"], {
        cwd: scratch,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.stderr + result.stdout, `${command?.join(" ")} -f docker/${file} config -q`).toBe("");
      expect(result.status).toBe(0);
    });

  it("compose.replicas.yaml without PUENTE_DOMAIN: config refuses it and says where to set it", (ctx) => {
    if (!command) ctx.skip(NO_COMPOSE);
    const bare = join(scratch, "bare");
    cpSync(join(scratch, "docker"), join(bare, "docker"), { recursive: true });
    rmSync(join(bare, "docker", ".env"));
    const [program = "", ...args] = command ?? [];
    const result = spawnSync(program, [...args, "-f", "docker/compose.replicas.yaml", "config", "-q"], {
      cwd: bare,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("set PUENTE_DOMAIN in docker/.env");
  });
});
