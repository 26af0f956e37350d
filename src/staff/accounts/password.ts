import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

/**
 * Staff passwords, hashed with scrypt (Node's own, memory-hard): `scrypt$N$r$p$salt$key` in
 * base64url, so the cost can be raised later and old hashes still verify.
 */
const derive = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** scrypt needs 128 * N * r bytes; the default ceiling (32 MiB) is just below N = 2^15. */
const MAX_MEMORY = 64 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password.normalize("NFC"), salt, KEY_LENGTH, { ...COST, maxmem: MAX_MEMORY });
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether the password matches the hash; compared in constant time. A damaged hash matches nothing. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = hash.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every(Number.isSafeInteger)) return false;
  const expected = Buffer.from(key, "base64url");
  const given = await derive(password.normalize("NFC"), Buffer.from(salt, "base64url"), expected.length, {
    ...cost,
    maxmem: MAX_MEMORY,
  });
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Unambiguous letters and digits (no 0/O, 1/l/I): a password read aloud or copied from paper. */
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** A new password: four groups of four (about 79 bits), easy to type on a phone. */
export function newPassword(): string {
  const group = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return [group(), group(), group(), group()].join("-");
}
