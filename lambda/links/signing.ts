/**
 * Download and archive links that outlive any role session: the link names what it opens and
 * until when, signed with HMAC-SHA256 under a key the stack keeps in Secrets Manager. The link
 * endpoint (lambda/link-endpoint.ts) checks the signature in constant time against the current
 * and the previous key (so rotating the key once keeps links already sent working; rotating
 * twice revokes them all), then the expiry, then that the object lies under the stage's prefix.
 *
 *   <base>/report?key=<object key>&expires=<epoch seconds>&sig=<base64url HMAC>
 *   <base>/archive?expires=<epoch seconds>&sig=<base64url HMAC>
 *   <base>/archive?report=<name>&expires=…&sig=…   (a named report's archive, under `<prefix>/<name>/`)
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** A report's download, or an archive: the stage's default report's, or a named report's (`report`). */
export type LinkTarget = { kind: "report"; key: string } | { kind: "archive"; prefix: string; report?: string };

/** A named report's name, as keys and links carry it (the settings' REPORT_NAME_PATTERN). */
const REPORT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The folder a named report's objects live in: `<prefix>/<name>`; the default report's is the prefix. */
export function reportPrefix(prefix: string, report: string | undefined): string {
  return report === undefined ? prefix : [prefix, report].filter(Boolean).join("/");
}

export interface LinkClaims {
  target: LinkTarget;
  /** Epoch seconds after which the link answers 410. */
  expires: number;
}

/** Why a link is refused: unsigned or tampered → 403, expired → 410, outside the prefix → 403. */
export type LinkCheck =
  | { ok: true; target: LinkTarget; expires: number }
  | { ok: false; reason: "unsigned" | "tampered" | "outside-prefix" }
  | { ok: false; reason: "expired"; target: LinkTarget; expires: number };

const VERSION = "callreport-link-v1";

function payload(claims: LinkClaims): string {
  const subject = claims.target.kind === "report" ? claims.target.key : claims.target.prefix;
  return `${VERSION}\n${claims.target.kind}\n${subject}\n${claims.expires}`;
}

function signature(claims: LinkClaims, secret: string): Buffer {
  return createHmac("sha256", secret).update(payload(claims)).digest();
}

/** The link's URL under the endpoint's base URL (no trailing slash needed). */
export function signLink(baseUrl: string, claims: LinkClaims, secret: string): string {
  if (secret.length < 32) throw new Error("The link signing key is shorter than 32 characters — regenerate it.");
  const url = new URL(
    claims.target.kind === "report" ? "report" : "archive",
    baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`,
  );
  if (claims.target.kind === "report") url.searchParams.set("key", claims.target.key);
  if (claims.target.kind === "archive" && claims.target.report !== undefined) {
    url.searchParams.set("report", claims.target.report);
  }
  url.searchParams.set("expires", String(claims.expires));
  url.searchParams.set("sig", signature(claims, secret).toString("base64url"));
  return url.toString();
}

/**
 * Checks a request's path and query. `secrets` are the keys still accepted (current first);
 * `prefix` is the stage's key prefix, which every report key must lie under.
 */
export function checkLink(
  path: string,
  query: URLSearchParams,
  secrets: string[],
  options: { now: number; prefix: string },
): LinkCheck {
  const kind = path.replace(/\/+$/, "").split("/").pop();
  const expiresText = query.get("expires");
  const sig = query.get("sig");
  const key = query.get("key");
  if ((kind !== "report" && kind !== "archive") || !expiresText || !sig || (kind === "report" && !key)) {
    return { ok: false, reason: "unsigned" };
  }
  if (!/^\d{1,12}$/.test(expiresText)) return { ok: false, reason: "tampered" };
  const expires = Number(expiresText);
  const report = query.get("report") ?? undefined;
  // The name picks the folder, and the signature covers the folder: a link for one report cannot open another's.
  if (kind === "archive" && report !== undefined && !REPORT_NAME.test(report)) return { ok: false, reason: "tampered" };
  const target: LinkTarget =
    kind === "report"
      ? { kind, key: key as string }
      : { kind, prefix: reportPrefix(options.prefix, report), ...(report === undefined ? {} : { report }) };
  const given = Buffer.from(sig, "base64url");
  const valid = secrets.some((secret) => {
    const expected = signature({ target, expires }, secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) return { ok: false, reason: "tampered" };
  if (target.kind === "report" && !underPrefix(target.key, options.prefix))
    return { ok: false, reason: "outside-prefix" };
  if (options.now > expires) return { ok: false, reason: "expired", target, expires };
  return { ok: true, target, expires };
}

/** A key in the stage's report folders: under the prefix, no `.`/`..`/empty segments, not the working files. */
export function underPrefix(key: string, prefix: string): boolean {
  const segments = key.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) return false;
  const head = prefix === "" ? [] : prefix.split("/");
  if (segments.length <= head.length || head.some((segment, index) => segments[index] !== segment)) return false;
  return segments[head.length] !== "_work";
}
