import { describe, expect, it } from "vitest";
import {
  type ArchiveRow,
  archivePage,
  linkExpiredPage,
  type PageContext,
  reportDeletedPage,
  reportFileOf,
} from "../../lambda/report/link-pages.js";

const context: PageContext = { environment: null, retentionDays: 400, linkExpiryDays: 30 };

function row(date: string, overrides: Partial<ArchiveRow> = {}): ArchiveRow {
  return {
    date,
    calls: 1234,
    connectRate: 0.5,
    totalCost: 312.4,
    workbookHref: `report?key=reports%2F${date}.xlsx&expires=1&sig=abc`,
    summaryHref: `report?key=reports%2F${date}.json&expires=1&sig=def`,
    ...overrides,
  };
}

describe("reportFileOf", () => {
  it("reads the file name, the day and the kind from an object key", () => {
    expect(reportFileOf("reports/2025/08/04/calls-report-2025-08-04.xlsx")).toEqual({
      fileName: "calls-report-2025-08-04.xlsx",
      date: "2025-08-04",
      kind: "workbook",
    });
    expect(reportFileOf("reports/2025/08/04/summary-2025-08-04.json")).toMatchObject({ kind: "summary" });
    expect(reportFileOf("reports/notes.txt")).toEqual({ fileName: "notes.txt", date: null, kind: "file" });
  });
});

describe("the expired page", () => {
  const expiredAt = new Date("2025-09-03T14:05:00Z");

  it("says when the link expired, in UTC and in words", () => {
    const page = linkExpiredPage(
      {
        file: reportFileOf("reports/2025/08/04/calls-report-2025-08-04.xlsx"),
        expiredAt,
        now: new Date("2025-09-06T15:00:00Z"),
        stillStored: true,
      },
      context,
    );
    expect(page).toContain(
      "The link to the workbook for Mon 4 Aug 2025 expired on Wed 3 Sep 2025 14:05 UTC (3 days ago).",
    );
    expect(page).toContain("reports are kept for 400 days");
    expect(page).toContain("its links work for 30 days");
  });

  it("speaks of the retention period when it does not know how long reports are kept", () => {
    const page = linkExpiredPage(
      { file: null, expiredAt, now: new Date("2025-09-03T14:05:20Z"), stillStored: null },
      { ...context, retentionDays: null },
    );
    expect(page).toContain("expired on Wed 3 Sep 2025 14:05 UTC (moments ago)");
    expect(page).toContain("they are kept for the retention period of this stage");
  });
});

describe("the pages", () => {
  it("escape the stage name and every value they show", () => {
    const page = reportDeletedPage(reportFileOf('reports/x/<b>"quoted".xlsx'), {
      ...context,
      environment: "<img src=x onerror=alert(1)>",
    });
    expect(page).toContain("Environment: &lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("&lt;b&gt;&quot;quoted&quot;.xlsx");
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>");
  });

  it("are plain HTML for a phone: a viewport, a narrow-screen layout, no script", () => {
    const page = archivePage(
      { rows: [row("2025-08-04")], maxDays: 90, linksExpireAt: new Date(0), now: new Date(0) },
      context,
    );
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain("@media (max-width: 560px)");
    expect(page).not.toMatch(/<script|javascript:|\son\w+=/i);
  });

  it("list the archive's rows in the order given, with their links escaped", () => {
    const page = archivePage(
      {
        rows: [row("2025-08-04"), row("2025-08-03", { connectRate: null })],
        maxDays: 90,
        linksExpireAt: new Date("2025-09-03T00:00:00Z"),
        now: new Date("2025-08-04T00:00:00Z"),
      },
      context,
    );
    const days = [...page.matchAll(/<td class="day">([^<]+)<\/td>/g)].map((match) => match[1]);
    expect(days).toEqual(["Mon 4 Aug 2025", "Sun 3 Aug 2025"]);
    expect(page).toContain('href="report?key=reports%2F2025-08-04.xlsx&amp;expires=1&amp;sig=abc"');
    expect(page).toContain('<td data-label="Connected">—</td>');
    expect(page).toContain("work until Wed 3 Sep 2025 00:00 UTC (in 30 days)");
  });
});
