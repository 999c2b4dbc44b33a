/**
 * The controller's web page (`controller.webui`, at `controller.webui_path`): one HTML
 * shell, its script and its style, built from webui/src into webui-assets.gen.ts and
 * served from memory. The page is public (it holds no data: it asks for an API key when
 * the API wants one); everything it shows comes from the public API, so what it can do
 * a script can do, under the same checks. A strict Content-Security-Policy lets it load
 * nothing but its own two files and talk to nothing but this controller.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Context, Env, Hono } from "hono";

export interface WebUiOptions {
  /** Where the page is: `/`, or a prefix such as `/ui`. */
  path: string;
  /** The API's base path, for the page's requests. */
  basePath: string;
  title: string;
  /** Records a GET route (so other methods on it get 405 with Allow); returns the path. */
  route?: (path: string) => string;
}

interface Asset {
  body: string;
  gzip: Uint8Array;
  type: string;
  etag: string;
}

const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

function asset(body: string, type: string): Asset {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return { body, gzip: gzipSync(body, { level: 9 }), type, etag };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function send<E extends Env>(c: Context<E>, a: Asset, cache: string): Response {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "Content-Type": a.type,
    "Cache-Control": cache,
    ETag: a.etag,
    Vary: "Accept-Encoding",
  };
  if (c.req.header("if-none-match") === a.etag) return new Response(null, { status: 304, headers });
  if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    return new Response(a.gzip, { headers: { ...headers, "Content-Encoding": "gzip" } });
  }
  return new Response(a.body, { headers });
}

/** Adds the page's routes to `app` (before any authentication: the page itself is public). */
export function addWebUi<E extends Env>(app: Hono<E>, o: WebUiOptions): void {
  const prefix = o.path.replace(/\/+$/, "");
  let assets: Promise<{ html: Asset; js: Asset; css: Asset }> | undefined;
  // Built on the first request: a controller nobody opens in a browser pays nothing.
  const load = () =>
    (assets ??= import("./webui-assets.gen.ts").then(({ APP_JS, APP_CSS }) => {
      const js = asset(APP_JS, "text/javascript; charset=utf-8");
      const css = asset(APP_CSS, "text/css; charset=utf-8");
      const v = (a: Asset) => a.etag.slice(1, 9);
      const title = escapeHtml(o.title);
      const html = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        // No favicon request (it would be a 404 in the console).
        '<link rel="icon" href="data:,">',
        `<meta name="model-compose-base" content="${escapeHtml(o.basePath)}">`,
        `<title>${title}</title>`,
        `<link rel="stylesheet" href="${prefix}/app.css?v=${v(css)}">`,
        "</head><body>",
        `<header class="top"><h1><a href="#/">${title}</a></h1><span class="muted small">model-compose</span></header>`,
        '<div id="app"><p class="muted">loading…</p></div>',
        `<script type="module" src="${prefix}/app.js?v=${v(js)}"></script>`,
        "</body></html>",
      ].join("");
      return { html: asset(html, "text/html; charset=utf-8"), js, css };
    }));
  const page = async (c: Context<E>) => send(c, (await load()).html, "no-cache");
  app.get(prefix || "/", page);
  if (prefix) app.get(`${prefix}/`, page);
  // Versioned URLs (?v=): a new build is a new URL, so these may be kept.
  app.get(`${prefix}/app.js`, async (c) => send(c, (await load()).js, "public, max-age=31536000, immutable"));
  app.get(`${prefix}/app.css`, async (c) =>
    send(c, (await load()).css, "public, max-age=31536000, immutable"),
  );
}
