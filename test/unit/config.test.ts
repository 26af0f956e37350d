import { describe, expect, it } from "vitest";
import { ConfigError, casesEnabled, loadConfig, loadExportConfig, redisLocation } from "../../src/runtime/config.js";

const SECRET = "x".repeat(32);

describe("configuration from the environment", () => {
  it("runs with nothing set: web chat on port 3000, memory store, Spanish", () => {
    const config = loadConfig({});
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.DEFAULT_LANGUAGE).toBe("es");
    expect(config.WHATSAPP_ENABLED).toBe(false);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ HTTP_PORT: "", REDIS_URL: "" }).HTTP_PORT).toBe(3000);
  });

  it.each([
    [{ HTTP_PORT: "abc" }, "HTTP_PORT"],
    [{ HTTP_PORT: "70000" }, "HTTP_PORT"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379" }, "ANON_SECRET"],
    [{ ANON_SECRET: "short" }, "ANON_SECRET"],
    [{ TELEGRAM_BOT_TOKEN: "not-a-token" }, "TELEGRAM_BOT_TOKEN"],
    [{ TELEGRAM_WEBHOOK_URL: "https://bot.example.org/tg" }, "TELEGRAM_WEBHOOK_SECRET"],
    [{ TELEGRAM_WEBHOOK_URL: "http://bot.example.org/tg", TELEGRAM_WEBHOOK_SECRET: "s" }, "TELEGRAM_WEBHOOK_URL"],
    [{ DEFAULT_LANGUAGE: "de" }, "DEFAULT_LANGUAGE"],
    [{ WHATSAPP_ENABLED: "maybe" }, "WHATSAPP_ENABLED"],
    [{ STAFF_TELEGRAM_CHAT_ID: "staff" }, "STAFF_TELEGRAM_CHAT_ID"],
    [{ SESSION_IDLE_HOURS: "0" }, "SESSION_IDLE_HOURS"],
    [{ STAFF_TELEGRAM_CHAT_ID: "-100123", CONTACT_KEY: SECRET }, "TELEGRAM_BOT_TOKEN"],
    [
      { STAFF_TELEGRAM_CHAT_ID: "-100123", TELEGRAM_BOT_TOKEN: "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345" },
      "CONTACT_KEY",
    ],
    [{ STAFF_WEBHOOK_URL: "https://office.example.org/hook", STAFF_WEBHOOK_SECRET: SECRET }, "CONTACT_KEY"],
    [{ STAFF_WEBHOOK_URL: "https://office.example.org/hook", CONTACT_KEY: SECRET }, "STAFF_WEBHOOK_SECRET"],
    [{ CONTACT_KEY: "too-short" }, "CONTACT_KEY"],
    [{ STAFF_WEBHOOK_SECRET: "too-short" }, "STAFF_WEBHOOK_SECRET"],
    [{ STAFF_WEBHOOK_URL: "ftp://office.example.org" }, "STAFF_WEBHOOK_URL"],
    [{ CONTACT_GRACE_DAYS: "-1" }, "CONTACT_GRACE_DAYS"],
    [{ CASE_REMINDER_MINUTES: "half an hour" }, "CASE_REMINDER_MINUTES"],
    [{ WEB_CHAT_ENABLED: "perhaps" }, "WEB_CHAT_ENABLED"],
    [{ TRUST_PROXY: "maybe" }, "TRUST_PROXY"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/99", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/16", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/abc", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/-1", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/1.5", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379/2/", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "rediss://:pw@redis.example.org:6380/20", ANON_SECRET: SECRET }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:6379?db=99", ANON_SECRET: SECRET }, "REDIS_URL"],
  ])("refuses %o with one line naming %s", (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^Configuration error: ${variable} `));
    expect(message).not.toContain("\n");
  });

  it.each([
    ["redis://127.0.0.1:6379/99", "/99"],
    ["redis://127.0.0.1:6379/abc", "/abc"],
    ["redis://127.0.0.1:6379/-1", "/-1"],
  ])("refuses the database in %s, saying what is wrong and that the server decides how many there are", (url, path) => {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: url, ANON_SECRET: SECRET });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Configuration error: REDIS_URL /);
    expect(message).toContain(path);
    expect(message).toMatch(/0 to 15/);
    expect(message).toMatch(/16/);
    expect(message).toContain("databases");
    expect(message).not.toContain("\n");
  });

  it.each([
    "redis://127.0.0.1:6379",
    "redis://127.0.0.1:6379/",
    "redis://127.0.0.1:6379/0",
    "redis://127.0.0.1:6379/15",
    "rediss://:p%40ss@redis.example.org:6380/3",
    "redis://127.0.0.1:6379?db=4",
  ])("accepts REDIS_URL %s", (url) => {
    expect(loadConfig({ REDIS_URL: url, ANON_SECRET: SECRET }).REDIS_URL).toBe(url);
  });

  it("the export's configuration: no ANON_SECRET needed, REDIS_URL checked the same way, the bot's settings ignored", () => {
    expect(loadExportConfig({ REDIS_URL: "redis://127.0.0.1:6379/2", REDIS_PREFIX: "office" })).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379/2",
      REDIS_PREFIX: "office",
      FLOWS_DIR: "flows",
      LOCALES_DIR: "locales",
    });
    // A bot setting the export does not use cannot stop it.
    expect(loadExportConfig({ REDIS_URL: "redis://127.0.0.1:6379", TELEGRAM_BOT_TOKEN: "nope" }).REDIS_PREFIX).toBe(
      "puente",
    );
    expect(() => loadExportConfig({ REDIS_URL: "redis://127.0.0.1:6379/99" })).toThrow(
      /^Configuration error: REDIS_URL .*0 to 15/,
    );
    expect(() => loadExportConfig({ REDIS_PREFIX: "has space" })).toThrow(/^Configuration error: REDIS_PREFIX /);
  });

  it("accepts a complete production setting", () => {
    const config = loadConfig({
      REDIS_URL: "redis://redis:6379/2",
      ANON_SECRET: SECRET,
      HTTP_PORT: "8080",
      TELEGRAM_BOT_TOKEN: "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345",
      TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram",
      TELEGRAM_WEBHOOK_SECRET: "s3cret_token",
      WHATSAPP_ENABLED: "true",
      DEFAULT_LANGUAGE: "ht",
    });
    expect(config).toMatchObject({ HTTP_PORT: 8080, WHATSAPP_ENABLED: true, DEFAULT_LANGUAGE: "ht" });
  });

  it("turns hand-off on with a staff group or a webhook, a contact key, and sane defaults", () => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345",
      STAFF_TELEGRAM_CHAT_ID: "-1001234567890",
      CONTACT_KEY: SECRET,
      WEB_CHAT_ENABLED: "false",
    });
    expect(casesEnabled(config)).toBe(true);
    expect(config).toMatchObject({ CONTACT_GRACE_DAYS: 7, CASE_REMINDER_MINUTES: 30, WEB_CHAT_ENABLED: false });
    expect(casesEnabled(loadConfig({}))).toBe(false);
    expect(loadConfig({}).WEB_CHAT_ENABLED).toBe(true);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "yes" }).TRUST_PROXY).toBe(true);
  });
});

describe("REDIS_CLUSTER_NODES", () => {
  it("reads nodes as host:port, or as URLs whose first one gives the password and TLS", () => {
    expect(
      redisLocation(loadConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:6379, 10.0.0.2:6380", ANON_SECRET: SECRET })),
    ).toEqual({
      cluster: [
        { host: "10.0.0.1", port: 6379 },
        { host: "10.0.0.2", port: 6380 },
      ],
    });
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: "rediss://puente:s%40cret@redis-a:7000,redis-b:7000", ANON_SECRET: SECRET })
        .REDIS_CLUSTER_NODES,
    ).toEqual({
      cluster: [
        { host: "redis-a", port: 7000 },
        { host: "redis-b", port: 7000 },
      ],
      username: "puente",
      password: "s@cret",
      tls: true,
    });
    expect(redisLocation(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", ANON_SECRET: SECRET }))).toEqual({
      url: "redis://127.0.0.1:6379",
    });
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: "10.0.0.1" }, "REDIS_CLUSTER_NODES must be the cluster's nodes as host:port"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1:6379,,10.0.0.2:6379" }, "REDIS_CLUSTER_NODES must be"],
    [{ REDIS_CLUSTER_NODES: "redis://10.0.0.1:6379/2" }, "REDIS_CLUSTER_NODES must be"],
    [{ REDIS_CLUSTER_NODES: "http://10.0.0.1:6379" }, "REDIS_CLUSTER_NODES must be"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1:6379" }, "ANON_SECRET is required when REDIS_CLUSTER_NODES is set"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1:6379", REDIS_URL: "redis://127.0.0.1:6379", ANON_SECRET: SECRET }, "both set"],
  ])("stops with one line naming what is wrong: %o", (env, problem) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(problem);
  });

  it("serves the export as the bot: a cluster is a place to read from", () => {
    expect(loadExportConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:6379" }).REDIS_CLUSTER_NODES?.cluster).toHaveLength(1);
    expect(() => loadExportConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:6379", REDIS_URL: "redis://x:1" })).toThrow(
      "both set",
    );
  });
});
