/**
 * Screenshots of the link endpoint's archive page and its 410 page for the README, taken from
 * the real handler: it runs behind a local function URL against s3rver with ten days of
 * sample reports, and headless Chromium opens the signed links. Called by
 * scripts/render-docs-pictures.sh, which trims the shots and puts them side by side.
 *
 *   tsx scripts/render-link-pages.ts <output folder>
 *   → archive-1024.png, archive-375.png, expired-1024.png, expired-375.png
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { signLink } from "../lambda/links/signing.js";
import { summaryFixture } from "../test/support/email-fixtures.js";
import { startFunctionUrlServer } from "../test/support/function-url-server.js";
import { startS3Emulator } from "../test/support/s3-emulator.js";
import { startSecretsEmulator } from "../test/support/secrets-emulator.js";
import { seededRandom } from "../test/support/seeded-random.js";

const out = process.argv[2];
if (!out) throw new Error("usage: tsx scripts/render-link-pages.ts <output folder>");

const KEY = "sample-signing-key-0123456789abcdefghijklmnopqrstuvwxyz";
const PREFIX = "reports";
const DAY_MS = 24 * 3600 * 1000;
const [s3, secrets] = await Promise.all([startS3Emulator("callreport-sample"), startSecretsEmulator()]);
secrets.setSecret("callreport/prod/link-key", KEY);
Object.assign(process.env, {
  ...s3.env,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
  REPORT_BUCKET: s3.bucket,
  REPORT_PREFIX: PREFIX,
  LINK_SECRET_ID: "callreport/prod/link-key",
  REPORT_ENVIRONMENT: "prod",
  LINK_EXPIRY_DAYS: "30",
  REPORT_RETENTION_DAYS: "400",
  POWERTOOLS_LOG_LEVEL: "SILENT",
});
const { handler } = await import("../lambda/link-endpoint.js");
const server = await startFunctionUrlServer(handler);

try {
  // The ten days before today: weekdays busy, weekends quiet, one day without calls.
  const random = seededRandom(16);
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let back = 10; back >= 1; back -= 1) {
    const date = new Date(today - back * DAY_MS).toISOString().slice(0, 10);
    const weekday = new Date(today - back * DAY_MS).getUTCDay();
    const calls = back === 6 ? 0 : Math.round((weekday === 0 || weekday === 6 ? 180 : 1100) * (0.8 + 0.4 * random()));
    const connected = Math.round(calls * (0.62 + 0.12 * random()));
    const totalCost = Math.round(calls * (0.21 + 0.06 * random()) * 100) / 100;
    const base = summaryFixture().totals;
    const summary = summaryFixture({
      date,
      totals: { ...base, calls, connectedCalls: connected, connectRate: calls ? connected / calls : null, totalCost },
    });
    const folder = `${PREFIX}/${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8)}`;
    await put(`${folder}/summary-${date}.json`, JSON.stringify(summary));
    await put(`${folder}/calls-report-${date}.xlsx`, "sample workbook");
  }

  const now = Math.floor(Date.now() / 1000);
  const archive = signLink(
    server.baseUrl,
    { target: { kind: "archive", prefix: PREFIX }, expires: now + 30 * 86400 },
    KEY,
  );
  // The workbook link of an email sent 33 days ago at 06:00 UTC, valid 30 days: expired 3 days ago.
  const oldDay = new Date(today - 34 * DAY_MS).toISOString().slice(0, 10);
  const oldKey = `${PREFIX}/${oldDay.slice(0, 4)}/${oldDay.slice(5, 7)}/${oldDay.slice(8)}/calls-report-${oldDay}.xlsx`;
  await put(oldKey, "sample workbook");
  const expired = signLink(
    server.baseUrl,
    { target: { kind: "report", key: oldKey }, expires: (today - 3 * DAY_MS) / 1000 + 6 * 3600 },
    KEY,
  );

  for (const [name, url, status] of [
    ["archive", archive, 200],
    ["expired", expired, 410],
  ] as const) {
    const answer = await fetch(url);
    if (answer.status !== status) throw new Error(`${name}: expected ${status}, got ${answer.status}`);
    // The desktop shot shows the whole page; the phone's its first screen, as a phone shows it.
    await screenshot(url, 1024, 2600, join(out, `${name}-1024.png`));
    await screenshot(url, 375, 812, join(out, `${name}-375.png`));
  }
} finally {
  await Promise.all([server.close(), s3.close(), secrets.close()]);
}

async function put(key: string, body: string) {
  await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
}

async function screenshot(url: string, width: number, height: number, file: string) {
  await promisify(execFile)("chromium", [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${join(out as string, `chromium-${width}`)}`,
    "--hide-scrollbars",
    `--window-size=${width},${height}`,
    `--screenshot=${file}`,
    url,
  ]);
}
