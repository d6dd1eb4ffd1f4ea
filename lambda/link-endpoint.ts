/**
 * The download and archive endpoint behind a Lambda function URL (#16). It checks a signed
 * link (lambda/links/signing.ts) and answers:
 *
 *   /report  valid → 302 to a presigned GET of a few minutes; report deleted by retention → 404
 *   /archive valid → 200, the last stored days with signed download links
 *   expired → 410 · tampered, unsigned, outside the stage's prefix → 403 · other paths → 404 ·
 *   methods other than GET and HEAD → 405
 *
 * Every answer is a small HTML page (lambda/report/link-pages.ts). A log line names the path,
 * the outcome and the day — never the object key, the signature or the query string.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { LinkKeyError, LinkSigningKeys } from "./adapters/link-keys.js";
import { S3ReportArchive } from "./adapters/s3-archive.js";
import { dayKeys } from "./adapters/s3-store.js";
import { checkLink, type LinkCheck, signLink } from "./links/signing.js";
import { environmentLabel } from "./report/email-format.js";
import {
  type ArchiveRow,
  archivePage,
  linkExpiredPage,
  linkRefusedPage,
  methodNotAllowedPage,
  notFoundPage,
  type PageContext,
  reportDeletedPage,
  reportFileOf,
  serverErrorPage,
} from "./report/link-pages.js";
import { DEFAULTS, describeIssues, LAMBDA_ENV, wholeNumberSchema, wholeNumberTextSchema } from "./settings.js";

/** The archive lists at most this many report days. */
export const ARCHIVE_DAYS = 90;
/** How long the presigned GET behind a 302 lives: enough to start the download, no more. */
const DOWNLOAD_URL_SECONDS = 300;
const DAY_SECONDS = 24 * 3600;

/** Optional (the stack sets it from retention.reportDays): when set, the pages say how long reports are kept. */
const optionalDays = z
  .string()
  .regex(/^\s*\d*\s*$/, { message: "needs a whole number from 1 to 36500" })
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : Number(value)))
  .pipe(wholeNumberSchema(1, 36_500).optional());

/** The environment the stack sets on the endpoint's function, named as the settings name them. */
export const linkEndpointEnvSchema = z.object({
  [LAMBDA_ENV.bucket]: z
    .string({ message: "needs the report bucket's name" })
    .min(3, { message: "needs the report bucket's name" }),
  [LAMBDA_ENV.prefix]: z
    .string()
    .default(DEFAULTS.prefix)
    .transform((value) => value.replace(/^\/+|\/+$/g, "")),
  [LAMBDA_ENV.linkSecretId]: z
    .string({ message: "needs the id of the link signing key's secret" })
    .min(1, { message: "needs the id of the link signing key's secret" }),
  [LAMBDA_ENV.environment]: z.string().optional(),
  [LAMBDA_ENV.linkExpiryDays]: wholeNumberTextSchema(1, 36_500).default(DEFAULTS.linkExpiryDays),
  [LAMBDA_ENV.reportRetentionDays]: optionalDays,
});
export type LinkEndpointEnv = z.output<typeof linkEndpointEnvSchema>;

export class LinkEndpointConfigError extends Error {
  override name = "LinkEndpointConfigError";
}

/** Parses the environment; the error is one line naming each bad variable. */
export function parseLinkEndpointEnv(env: Record<string, string | undefined>): LinkEndpointEnv {
  const result = linkEndpointEnvSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = describeIssues(result.error, ([variable]) => String(variable ?? "environment"));
  throw new LinkEndpointConfigError(
    `Invalid link endpoint configuration — ${problems.join("; ")}. The stack sets these variables: fix it and redeploy.`,
  );
}

const logger = new Logger({ serviceName: "callreport-links" });

interface Runtime {
  config: LinkEndpointEnv;
  keys: LinkSigningKeys;
  archive: S3ReportArchive;
  pages: PageContext;
}

let runtime: Runtime | undefined;

/** Config and clients, built once per container and reused by warm invocations. */
function getRuntime(env: NodeJS.ProcessEnv): Runtime {
  if (runtime) return runtime;
  const config = parseLinkEndpointEnv(env);
  // A custom endpoint (a local emulator, MinIO) cannot do virtual-hosted bucket names.
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  runtime = {
    config,
    keys: new LinkSigningKeys({ client: new SecretsManagerClient({}), secretId: config.LINK_SECRET_ID }),
    archive: new S3ReportArchive({
      client: new S3Client({ forcePathStyle }),
      bucket: config.REPORT_BUCKET,
      prefix: config.REPORT_PREFIX,
    }),
    pages: {
      environment: environmentLabel(config.REPORT_ENVIRONMENT ?? null),
      retentionDays: config.REPORT_RETENTION_DAYS ?? null,
      linkExpiryDays: config.LINK_EXPIRY_DAYS,
    },
  };
  return runtime;
}

/** For tests that change the environment between cases. */
export function resetLinkEndpointForTests(): void {
  runtime = undefined;
}

type Outcome =
  | "download"
  | "archive"
  | "expired"
  | "unsigned"
  | "tampered"
  | "outside-prefix"
  | "deleted"
  | "not-found"
  | "method-not-allowed"
  | "error";

interface Answer {
  response: APIGatewayProxyStructuredResultV2;
  outcome: Outcome;
  /** The report day the link was for, when it names one. */
  day?: string | null;
}

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // No scripts, no requests of its own: only the page's inline styles.
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  // The page's links are signed: they must not travel on as a Referer.
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
};

function page(statusCode: number, markup: string, method: string, headers: Record<string, string> = {}) {
  return { statusCode, headers: { ...PAGE_HEADERS, ...headers }, body: method === "HEAD" ? "" : markup };
}

/** What Lambda runs for every request to the function URL. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? "GET";
  const path = (event.rawPath ?? "/").slice(0, 200);
  let answer: Answer;
  try {
    answer = await answerLink(method, path, event.rawQueryString ?? "", getRuntime(process.env));
  } catch (error) {
    // Only our own messages are logged: an SDK's (AccessDenied…) names the object key.
    const ours = error instanceof LinkKeyError || error instanceof LinkEndpointConfigError;
    logger.error("link request failed", {
      method,
      path,
      error: (error as Error)?.name ?? "Error",
      ...(ours ? { reason: (error as Error).message } : { status: statusOf(error) }),
    });
    const pages = runtime?.pages ?? { environment: null, retentionDays: null, linkExpiryDays: 30 };
    return page(500, serverErrorPage(pages), method);
  }
  const status = answer.response.statusCode ?? 200;
  const fields = { method, path, outcome: answer.outcome, status, ...(answer.day ? { day: answer.day } : {}) };
  if (status >= 400) logger.warn("link refused", fields);
  else logger.info("link answered", fields);
  return answer.response;
}

async function answerLink(method: string, path: string, rawQuery: string, runtime: Runtime): Promise<Answer> {
  const { pages } = runtime;
  if (method !== "GET" && method !== "HEAD") {
    return {
      response: page(405, methodNotAllowedPage(method.slice(0, 16), pages), method, { allow: "GET, HEAD" }),
      outcome: "method-not-allowed",
    };
  }
  const route = path.replace(/\/+$/, "");
  if (route !== "/report" && route !== "/archive") {
    return { response: page(404, notFoundPage(pages), method), outcome: "not-found" };
  }

  const query = new URLSearchParams(rawQuery);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const check = (keys: string[]) =>
    checkLink(route, query, keys, { now: nowSeconds, prefix: runtime.config.REPORT_PREFIX });
  let keys = await runtime.keys.accepted();
  let result: LinkCheck = check(keys);
  if (!result.ok && result.reason === "tampered") {
    // Perhaps signed with a key newer than the cached ones (a rotation minutes ago).
    const fresh = await runtime.keys.reread();
    if (fresh) {
      keys = fresh;
      result = check(keys);
    }
  }

  if (!result.ok && result.reason !== "expired") {
    return { response: page(403, linkRefusedPage(pages), method), outcome: result.reason };
  }
  if (!result.ok) {
    const file = result.target.kind === "report" ? reportFileOf(result.target.key) : null;
    const stillStored =
      result.target.kind === "report" ? await runtime.archive.exists(result.target.key).catch(() => null) : null;
    const markup = linkExpiredPage(
      { file, expiredAt: new Date(result.expires * 1000), now: new Date(nowSeconds * 1000), stillStored },
      pages,
    );
    return { response: page(410, markup, method), outcome: "expired", day: file?.date ?? null };
  }

  if (result.target.kind === "report") {
    const { key } = result.target;
    const file = reportFileOf(key);
    if (!(await runtime.archive.exists(key))) {
      return { response: page(404, reportDeletedPage(file, pages), method), outcome: "deleted", day: file.date };
    }
    const location = await runtime.archive.downloadUrl(key, file.fileName, DOWNLOAD_URL_SECONDS);
    return {
      response: {
        statusCode: 302,
        headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
        body: "",
      },
      outcome: "download",
      day: file.date,
    };
  }

  // The page's links last as long as the link that opened it, never longer than the stage's link validity.
  const linksExpire = Math.min(result.expires, nowSeconds + runtime.config.LINK_EXPIRY_DAYS * DAY_SECONDS);
  const [signingKey] = keys as [string];
  // A named report's archive lists its own folder; the signature covered the folder.
  const folder = result.target.prefix;
  const archive = folder === runtime.config.REPORT_PREFIX ? runtime.archive : runtime.archive.under(folder);
  const days = await archive.archiveDays(ARCHIVE_DAYS);
  const rows: ArchiveRow[] = days.map((day) => {
    const stored = dayKeys(folder, day.date);
    return {
      ...day,
      workbookHref: reportHref(stored.workbook, linksExpire, signingKey),
      summaryHref: reportHref(stored.summary, linksExpire, signingKey),
    };
  });
  const markup = archivePage(
    { rows, maxDays: ARCHIVE_DAYS, linksExpireAt: new Date(linksExpire * 1000), now: new Date(nowSeconds * 1000) },
    pages,
  );
  return { response: page(200, markup, method), outcome: "archive" };
}

/**
 * A download link from the root of the host the page was opened by (`/report?key=…`): the function
 * URL or an alias in front of it; root-relative, so it also works when the page is `/archive/`.
 */
function reportHref(key: string, expires: number, secret: string): string {
  const signed = new URL(
    signLink("https://link-endpoint.invalid/", { target: { kind: "report", key }, expires }, secret),
  );
  return `/report${signed.search}`;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
