import { Hono } from "hono";
import QRCode from "qrcode";
import { z } from "zod";
import type { WhatsAppLinkState } from "../../channels/whatsapp/link.js";
import type { StaffAudit } from "../audit.js";
import type { StaffEnv } from "./app.js";
import { whatsappOff, whatsappPage } from "./views/whatsapp.js";

export { type WhatsAppLinkState, whatsappLinkStateSchema } from "../../channels/whatsapp/link.js";

/**
 * The office's WhatsApp number as the dashboard sees it, from any replica: how the link goes on
 * the replica holding the number, and a way to ask that replica to pair again from scratch.
 * `WhatsAppLinkBoard` (src/channels/whatsapp/link.ts) is the one kept in the shared store.
 */
export interface WhatsAppLink {
  state(): Promise<WhatsAppLinkState>;
  relink(by: string): Promise<void>;
}

export interface WhatsAppRouteOptions {
  /** Undefined while WhatsApp is off. */
  link: WhatsAppLink | undefined;
  audit: StaffAudit;
}

/** Pairing again drops the session the office uses: the form asks to confirm it. */
const relinkSchema = z.object({ confirm: z.literal("yes") });

/**
 * The WhatsApp link page: the state in plain words; while waiting, the QR to scan (drawn here,
 * as SVG, so no script nor image request is needed) or the code to type; a button to link again.
 * Linking and re-linking never need the server's terminal.
 */
export function whatsappRoutes(options: WhatsAppRouteOptions): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const { audit } = options;

  app.get("/", async (c) => {
    const frame = c.get("frame");
    const link = options.link;
    if (!link) return c.html(whatsappOff(frame));
    // A store that does not answer is said on the page, which keeps refreshing until it does.
    const state = await link.state().catch(() => undefined);
    const done = c.req.query("done");
    const refresh = refreshSeconds(state, done);
    // The HTTP form of <meta http-equiv="refresh">: the layout's head stays the same for every page.
    // Back to the bare page, so a notice of the last action does not stay on every reload.
    if (refresh) c.header("Refresh", `${refresh}; url=${frame.base}/whatsapp`);
    const qrSvg = state?.state === "waiting" && state.qr ? await drawQr(state.qr) : undefined;
    return c.html(
      whatsappPage(frame, { state, qrSvg, refresh, done, problem: c.req.query("problem"), now: new Date() }),
    );
  });

  app.post("/relink", async (c) => {
    const { base } = c.get("frame");
    const page = `${base}/whatsapp`;
    if (!options.link) return c.redirect(page, 303);
    if (!relinkSchema.safeParse(await c.req.parseBody()).success) return c.redirect(`${page}?problem=confirm`, 303);
    const by = c.get("staff").name;
    const asked = await options.link.relink(by).then(
      () => true,
      () => false,
    );
    if (!asked) return c.redirect(`${page}?problem=unreachable`, 303);
    await audit.record(by, "whatsapp-relinked");
    return c.redirect(`${page}?done=relinked`, 303);
  });

  return app;
}

/**
 * How soon the page looks again: often while something is about to change (a QR rotates every
 * few seconds, a start or a request to link again takes a few), less when it failed (the retry
 * waits grow), never once linked.
 */
export function refreshSeconds(state: WhatsAppLinkState | undefined, done: string | undefined): number | undefined {
  if (done === "relinked") return 5;
  if (state?.state === "linked") return undefined;
  if (state?.state === "failed") return 15;
  return 5;
}

/** The QR as an SVG, with the quiet margin phones need to find it; undefined if it cannot be drawn. */
async function drawQr(text: string): Promise<string | undefined> {
  return QRCode.toString(text, { type: "svg", margin: 4, errorCorrectionLevel: "M" }).catch(() => undefined);
}
