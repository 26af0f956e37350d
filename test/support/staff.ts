import { randomUUID } from "node:crypto";
import type { StaffAccounts } from "../../src/staff/accounts/account.js";
import { hashPassword } from "../../src/staff/accounts/password.js";

/**
 * The staff side over plain HTTP, as a browser without JavaScript uses it: a cookie jar, the
 * sign-in form with its token, and forms that carry the session's CSRF token read from the page.
 */
export class StaffClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrf: string | undefined;

  constructor(
    /** Where the staff area answers, e.g. http://127.0.0.1:3000/staff */
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async get(path: string): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, { headers: this.#headers(), redirect: "manual" });
    this.#keep(response);
    return response;
  }

  /** A page's HTML (following one redirect); remembers its CSRF token. */
  async page(path: string): Promise<{ status: number; html: string; url: string }> {
    let response = await this.get(path);
    let url = `${this.base}${path}`;
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get("location") ?? "", url).toString();
      response = await fetch(url, { headers: this.#headers(), redirect: "manual" });
      this.#keep(response);
    }
    const html = await response.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, html, url };
  }

  /** Posts a form; `_csrf` is the last page's token unless the fields say otherwise. */
  async post(path: string, fields: Record<string, string> = {}, withCsrf = true): Promise<Response> {
    const body = new URLSearchParams({ ...(withCsrf && this.csrf ? { _csrf: this.csrf } : {}), ...fields });
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: {
        ...this.#headers(),
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(this.base).origin,
      },
      body,
      redirect: "manual",
    });
    this.#keep(response);
    return response;
  }

  /** Opens the sign-in page and signs in; the response to the form. */
  async signIn(name: string, password: string): Promise<Response> {
    await this.page("/signin");
    return this.post("/signin", { name, password });
  }

  #headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    return { ...(cookie ? { cookie } : {}), ...this.headers };
  }

  #keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0\b/i.test(attribute.trim())) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Puts an account straight into the store the bot reads, with a known password. */
export async function addAccount(accounts: StaffAccounts, name: string, password = `pw-${randomUUID()}`) {
  await accounts.put({
    name,
    passwordHash: await hashPassword(password),
    generation: randomUUID(),
    createdAt: new Date().toISOString(),
  });
  return { name, password };
}
