import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { signLink } from "../lambda/links/signing.js";
import { summaryFixture } from "./support/email-fixtures.js";
import { DAY_SECONDS, KEYS, nowSeconds, type StoredDay, useLinkEndpoint } from "./support/link-endpoint-harness.js";

/** The archive page, opened by its signed link through a real HTTP server, s3rver behind it. */
const endpoint = useLinkEndpoint();

const inDays = (days: number) => nowSeconds() + days * DAY_SECONDS;

/** `YYYY-MM-DD` of the calendar day `days` after `date`, counted in UTC here. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

interface PageRow {
  day: string;
  cells: string[];
  workbook: URL;
  summary: URL;
}

/** The archive table's rows as a reader sees them, the links resolved against the page's URL. */
function rowsOf(page: string, pageUrl: string): PageRow[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row = ""]) => {
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, cell = ""]) => cell);
    const hrefs = [...row.matchAll(/href="([^"]+)"/g)].map(
      ([, href = ""]) => new URL(href.replaceAll("&amp;", "&"), pageUrl),
    );
    return { day: cells[0] ?? "", cells: cells.slice(1, 4), workbook: hrefs[0] as URL, summary: hrefs[1] as URL };
  });
}

async function openArchive(expires = inDays(30)) {
  const link = endpoint.archiveLink(expires);
  const answer = await fetch(link, { redirect: "manual" });
  const page = await answer.text();
  const rows = answer.status === 200 ? rowsOf(page, link) : [];
  for (const row of rows) {
    endpoint.neverLog(row.workbook.searchParams.get("sig") as string);
    endpoint.neverLog(row.workbook.searchParams.get("key") as string);
  }
  return { answer, page, rows };
}

describe("the archive page", () => {
  it("lists the newest 90 stored days, newest first, leaving out days without a summary, previews and working files", async () => {
    const stored: StoredDay[] = [];
    // 112 days across a new year; every 7th day has a workbook but no summary: 96 listed days.
    for (let offset = 0; offset < 112; offset += 1) {
      const date = addDays("2024-10-20", offset);
      const day = await endpoint.storeDay(date, { calls: 1000 + offset });
      if (offset % 7 === 3) {
        await endpoint.s3.client().send(new DeleteObjectCommand({ Bucket: endpoint.s3.bucket, Key: day.summaryKey }));
      } else stored.push(day);
    }
    const { prefix } = endpoint;
    // Summaries the archive would list, were they not a preview and a working file.
    const newer = (date: string) => JSON.stringify(summaryFixture({ date }));
    await endpoint.put(`${prefix}/2025/02/09/summary-2025-02-09-preview.json`, newer("2025-02-09"));
    await endpoint.put(`${prefix}/2025/02/09/calls-report-2025-02-09-preview.xlsx`, "preview");
    await endpoint.put(`${prefix}/_work/2025/02/10/summary-2025-02-10.json`, newer("2025-02-10"));

    const { answer, page, rows } = await openArchive();
    expect(answer.status).toBe(200);
    expect(page).not.toMatch(/<script/i);
    const expected = stored
      .map((day) => day.date)
      .sort()
      .reverse()
      .slice(0, 90);
    expect(stored.length).toBeGreaterThan(90);
    expect(rows.map((row) => row.workbook.searchParams.get("key"))).toEqual(
      expected.map(
        (date) => `${prefix}/${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8)}/calls-report-${date}.xlsx`,
      ),
    );
    expect(rows.map((row) => row.summary.searchParams.get("key"))).toEqual(
      expected.map((date) => `${prefix}/${date.replaceAll("-", "/")}/summary-${date}.json`),
    );
    // 2024-10-20 + 111 days, a Saturday.
    expect(rows[0]?.day).toBe("Sat 8 Feb 2025");
    expect(page).toContain("The last 90 report days for this stage, newest first.");
  });

  it("links each day's workbook and summary with links that download them", async () => {
    const days = [await endpoint.storeDay("2025-08-03"), await endpoint.storeDay("2025-08-04", { calls: 42 })];
    const archive = await openArchive();
    const [newest, older] = archive.rows;

    const workbook = await fetch(older?.workbook as URL, { redirect: "manual" });
    expect(workbook.status).toBe(302);
    const download = await fetch(workbook.headers.get("location") as string);
    expect(Buffer.from(await download.arrayBuffer()).equals(days[0]?.workbook as Buffer)).toBe(true);

    const summary = await fetch(newest?.summary as URL);
    expect(summary.headers.get("content-disposition")).toBe('attachment; filename="summary-2025-08-04.json"');
    expect(await summary.json()).toMatchObject({ date: "2025-08-04", totals: { calls: 42 } });
  });

  it("shows each day's calls, connect rate and total cost from its summary", async () => {
    await endpoint.storeDay("2025-08-04", { calls: 1234, connectRate: 842 / 1234, totalCost: 312.4 });
    await endpoint.storeDay("2025-08-03", { calls: 0, connectRate: null, totalCost: 0 });
    const { rows, page } = await openArchive();
    expect(rows.map(({ day, cells }) => [day, ...cells])).toEqual([
      ["Mon 4 Aug 2025", "1,234", "68.2%", "$312.40"],
      ["Sun 3 Aug 2025", "0", "—", "$0.00"],
    ]);
    expect(page).toContain("All 2 report days stored for this stage, newest first.");
  });

  it("gives its links the expiry of the link that opened it", async () => {
    await endpoint.storeDay("2025-08-04");
    const expires = inDays(12);
    const { rows, page } = await openArchive(expires);
    expect(rows[0]?.workbook.searchParams.get("expires")).toBe(String(expires));
    expect(rows[0]?.summary.searchParams.get("expires")).toBe(String(expires));
    expect(page).toContain("(in 12 days)");
  });

  it("never gives out links longer-lived than the stage's link validity", async () => {
    await endpoint.storeDay("2025-08-04");
    endpoint.setEnv({ LINK_EXPIRY_DAYS: "7" });
    const before = nowSeconds();
    const { rows } = await openArchive(inDays(90));
    const expires = Number(rows[0]?.workbook.searchParams.get("expires"));
    expect(expires).toBeGreaterThanOrEqual(before + 7 * DAY_SECONDS);
    expect(expires).toBeLessThanOrEqual(nowSeconds() + 7 * DAY_SECONDS);
  });

  it("says so when the stage has no reports yet", async () => {
    const { answer, page } = await openArchive();
    expect(answer.status).toBe(200);
    expect(page).toContain("No reports are stored for this stage yet.");
  });

  it("answers an expired archive link with 410, saying the reports are still stored", async () => {
    const expires = nowSeconds() - 2 * 3600 - 30;
    const { answer, page } = await openArchive(expires);
    expect(answer.status).toBe(410);
    expect(page).toContain("The link to the report archive expired on");
    expect(page).toContain("(2 hours ago)");
    expect(page).toContain("The reports themselves are still stored: they are kept for 400 days.");
  });

  it("refuses an archive link signed for another stage's prefix", async () => {
    await endpoint.storeDay("2025-08-04");
    const link = signLink(
      endpoint.baseUrl,
      { target: { kind: "archive", prefix: "other-stage" }, expires: inDays(30) },
      KEYS.current,
    );
    endpoint.neverLog(new URL(link).searchParams.get("sig") as string);
    expect((await fetch(link)).status).toBe(403);
  });
});
