import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it, vi } from "vitest";
import { DAY_SECONDS, KEYS, nowSeconds, useLinkEndpoint } from "./support/link-endpoint-harness.js";

/**
 * The download endpoint as a browser meets it: a real HTTP server in front of the handler,
 * s3rver behind it, links signed as the email signs them.
 */
const endpoint = useLinkEndpoint();

const inDays = (days: number) => nowSeconds() + days * DAY_SECONDS;
const get = (url: string, init: RequestInit = {}) => fetch(url, { redirect: "manual", ...init });

/** One character of the link's signature changed (not the last: its low bits are padding). */
function flipSignature(link: string): string {
  const url = new URL(link);
  const signature = url.searchParams.get("sig") as string;
  const at = 10;
  const flipped = signature[at] === "A" ? "B" : "A";
  url.searchParams.set("sig", signature.slice(0, at) + flipped + signature.slice(at + 1));
  return url.toString();
}

/** `Wed 3 Sep 2025 14:05 UTC`, written out here rather than with the page's formatter. */
function utcWords(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][date.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    date.getUTCMonth()
  ];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${weekday} ${date.getUTCDate()} ${month} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

describe("a download link", () => {
  it("redirects to a presigned GET of five minutes that downloads the stored workbook as an attachment", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const answer = await get(endpoint.reportLink(day.workbookKey, inDays(30)));

    expect(answer.status).toBe(302);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const location = answer.headers.get("location") as string;
    expect(new URL(location).searchParams.get("X-Amz-Expires")).toBe("300");

    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="calls-report-2025-08-04.xlsx"');
    expect(Buffer.from(await download.arrayBuffer()).equals(day.workbook)).toBe(true);
  });

  it("downloads the summary JSON under its own file name", async () => {
    const day = await endpoint.storeDay("2025-08-05", { calls: 77 });
    const answer = await get(endpoint.reportLink(day.summaryKey, inDays(1)));
    const download = await fetch(answer.headers.get("location") as string);
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="summary-2025-08-05.json"');
    expect(await download.json()).toMatchObject({ totals: { calls: 77 } });
  });

  it("answers 410 once expired, with the expiry in UTC and in words, and says the report is still stored", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const expires = nowSeconds() - 3 * DAY_SECONDS - 600;
    const answer = await get(endpoint.reportLink(day.workbookKey, expires));

    expect(answer.status).toBe(410);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await answer.text();
    expect(page).toContain(`expired on ${utcWords(expires)} (3 days ago)`);
    expect(page).toContain("the workbook for Mon 4 Aug 2025");
    expect(page).toContain("The report itself is still stored: reports are kept for 400 days");
    expect(page).toContain("open the most recent daily report email");
    expect(page).not.toMatch(/<script/i);
  });

  it("refuses a link with one character of its signature changed (403)", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const link = endpoint.reportLink(day.workbookKey, inDays(30));
    expect((await get(link)).status).toBe(302);

    const answer = await get(flipSignature(link));
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain("This link is not valid");
  });

  it("refuses a link without a signature (403)", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const link = new URL(endpoint.reportLink(day.workbookKey, inDays(30)));
    link.searchParams.delete("sig");
    expect((await get(link.toString())).status).toBe(403);
  });

  it("refuses properly signed links to objects outside the stage's reports (403)", async () => {
    const elsewhere = "other-stage/2025/08/04/calls-report-2025-08-04.xlsx";
    const climbing = `${endpoint.prefix}/../other-stage/2025/08/04/calls-report-2025-08-04.xlsx`;
    const working = `${endpoint.prefix}/_work/2025-08-04/part-0001.ndjson.gz`;
    for (const key of [elsewhere, climbing, working]) await endpoint.put(key, "not for managers");

    for (const key of [elsewhere, climbing, working]) {
      expect((await get(endpoint.reportLink(key, inDays(30)))).status, key).toBe(403);
    }
  });

  it("accepts links signed with the previous key and refuses those signed with the one before", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    endpoint.secrets.setSecret(endpoint.secretId, KEYS.older);
    endpoint.secrets.rotateSecret(endpoint.secretId, KEYS.previous);
    endpoint.secrets.rotateSecret(endpoint.secretId, KEYS.current);

    expect((await get(endpoint.reportLink(day.workbookKey, inDays(30), KEYS.current))).status).toBe(302);
    expect((await get(endpoint.reportLink(day.workbookKey, inDays(30), KEYS.previous))).status).toBe(302);
    expect((await get(endpoint.reportLink(day.workbookKey, inDays(30), KEYS.older))).status).toBe(403);
  });

  it("accepts a link signed with a key rotated in after it read the keys, once a minute has passed", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    vi.useFakeTimers({ toFake: ["Date"] });
    expect((await get(endpoint.reportLink(day.workbookKey, inDays(30), KEYS.current))).status).toBe(302);
    endpoint.secrets.rotateSecret(endpoint.secretId, KEYS.previous);
    const signedWithNewKey = endpoint.reportLink(day.workbookKey, inDays(30), KEYS.previous);
    // Within a minute a refused signature does not send the endpoint back to Secrets Manager.
    expect((await get(signedWithNewKey)).status).toBe(403);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await get(signedWithNewKey)).status).toBe(302);
  });

  it("answers 404 for a report retention has deleted, naming the day and how long reports are kept", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    await endpoint.s3.client().send(new DeleteObjectCommand({ Bucket: endpoint.s3.bucket, Key: day.workbookKey }));

    const answer = await get(endpoint.reportLink(day.workbookKey, inDays(30)));
    expect(answer.status).toBe(404);
    const page = await answer.text();
    expect(page).toContain("The workbook for Mon 4 Aug 2025 has been deleted");
    expect(page).toContain("reports are kept for 400 days");
  });

  it("tells a deleted report from a refused one when S3 answers the HEAD with 403 (ListBucket limited to the prefix)", async () => {
    const kept = await endpoint.storeDay("2025-08-04");
    const deleted = await endpoint.storeDay("2025-08-05");
    await endpoint.s3.client().send(new DeleteObjectCommand({ Bucket: endpoint.s3.bucket, Key: deleted.workbookKey }));
    endpoint.s3.failRequests((request) => request.method === "HEAD", { status: 403 });
    try {
      expect((await get(endpoint.reportLink(deleted.workbookKey, inDays(30)))).status).toBe(404);
      // Listed, yet refused: a permission problem, not a deleted report.
      expect((await get(endpoint.reportLink(kept.workbookKey, inDays(30)))).status).toBe(500);
    } finally {
      endpoint.s3.failRequests(null);
    }
  });

  it("says the expired link's report is gone too when retention deleted it", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    await endpoint.s3.client().send(new DeleteObjectCommand({ Bucket: endpoint.s3.bucket, Key: day.workbookKey }));
    const answer = await get(endpoint.reportLink(day.workbookKey, nowSeconds() - 60));
    expect(answer.status).toBe(410);
    expect(await answer.text()).toContain("The report itself is no longer stored either");
  });
});

describe("every other request", () => {
  it("answers POST with 405 and the methods it allows", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const answer = await get(endpoint.reportLink(day.workbookKey, inDays(30)), { method: "POST", body: "x" });
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("GET, HEAD");
  });

  it("answers HEAD as GET, without a body", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    const answer = await get(endpoint.reportLink(day.workbookKey, nowSeconds() - 60), { method: "HEAD" });
    expect(answer.status).toBe(410);
    expect(await answer.text()).toBe("");
  });

  it("answers an unknown path with a 404 page", async () => {
    const answer = await get(`${endpoint.baseUrl}/favicon.ico`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain("There is nothing at this address");
  });

  it("answers every page with no-store, a script-free content policy and no referrer", async () => {
    const answer = await get(`${endpoint.baseUrl}/archive`);
    expect(answer.status).toBe(403);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
    expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("answers 500 when the signing key cannot be read, and logs the secret's id, not its value", async () => {
    endpoint.secrets.failWith({ status: 400, type: "AccessDeniedException", message: "not authorized" });
    const answer = await get(endpoint.archiveLink(inDays(30)));
    expect(answer.status).toBe(500);
    expect(await answer.text()).toContain("Try again in a minute");
    const [line] = endpoint.logLines().filter((entry) => entry.level === "ERROR");
    expect(line?.reason).toMatch(
      new RegExp(`link signing key secret "${endpoint.secretId}" \\(AWSCURRENT; AccessDeniedException`),
    );
  });
});

describe("its logs", () => {
  it("name the path, the outcome and the day of every answer", async () => {
    const day = await endpoint.storeDay("2025-08-04");
    await get(endpoint.reportLink(day.workbookKey, inDays(30)));
    await get(endpoint.reportLink(day.workbookKey, nowSeconds() - 60));
    await get(flipSignature(endpoint.reportLink(day.workbookKey, inDays(30))));

    const lines = endpoint.logLines().map(({ path, outcome, status, day }) => ({ path, outcome, status, day }));
    expect(lines).toEqual([
      { path: "/report", outcome: "download", status: 302, day: "2025-08-04" },
      { path: "/report", outcome: "expired", status: 410, day: "2025-08-04" },
      { path: "/report", outcome: "tampered", status: 403, day: undefined },
    ]);
    // The harness also checks, after every test, that no line holds a key, a signature or an object key.
  });
});
