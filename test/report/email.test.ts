import { describe, expect, it } from "vitest";
import { type RenderEmailInput, renderEmail } from "../../lambda/report/email.js";
import { dataQualityNotes } from "../../lambda/report/email-facts.js";
import { isEmptyDay } from "../../lambda/report/summary.js";
import { comparison, emptySummaryFixture, groupStats, summaryFixture } from "../support/email-fixtures.js";

function render(overrides: Partial<RenderEmailInput> = {}) {
  return renderEmail({
    summary: summaryFixture(),
    link: { url: "https://reports.example.com/day.xlsx?sig=a&b=c", expiresAt: new Date("2025-08-12T06:00:00Z") },
    environment: "prod",
    attached: false,
    workbookFileName: "calls-report-2025-08-04.xlsx",
    ...overrides,
  });
}

function withComparison() {
  const summary = summaryFixture();
  summary.comparison = {
    previousDay: comparison(
      "2025-08-03",
      { calls: 1100, connectRate: 0.66, durationSeconds: 150_000, totalCost: 280, averageScore: 7.6 },
      summary,
    ),
    sameWeekdayLastWeek: comparison("2025-07-28", { calls: 1300, totalCost: 330 }, summary),
  };
  return summary;
}

describe("a preview (partial day)", () => {
  // 14:05 in UTC, the fixture's timezone, on the report day itself.
  const partial = () => ({ ...summaryFixture(), partialAsOf: "2025-08-04T14:05:00.000Z" });

  it("says partial day in the subject, the heading, the preheader and the text, not only the subject", () => {
    const email = render({ summary: partial() });

    expect(email.subject).toContain("Mon 4 Aug 2025 — partial day as of 14:05");
    expect(email.html).toContain(">Mon 4 Aug 2025 — partial day as of 14:05</h1>");
    expect(email.html).toMatch(/mso-hide:all;">Mon 4 Aug 2025 — partial day as of 14:05: 1,234 calls · /);
    expect(email.text).toContain("Calls report — Mon 4 Aug 2025 — partial day as of 14:05 (UTC)");
  });

  it("says it on an empty partial day too", () => {
    const email = render({ summary: { ...emptySummaryFixture(), partialAsOf: "2025-08-04T00:20:00.000Z" } });

    expect(email.html).toContain("No calls on Mon 4 Aug 2025 — partial day as of 00:20 (UTC).");
    expect(email.text).toContain("No calls on Mon 4 Aug 2025 — partial day as of 00:20.");
  });
});

describe("subject", () => {
  it("carries the day and the headline numbers", () => {
    expect(render().subject).toBe("Calls report — Mon 4 Aug 2025 — 1,234 calls · 41 h talk · $312.40");
  });

  it("is tagged with the environment outside prod", () => {
    expect(render({ environment: "dev" }).subject).toMatch(/^\[dev\] Calls report — /);
  });

  it("has no tag on prod or without an environment", () => {
    expect(render({ environment: "prod" }).subject).toMatch(/^Calls report/);
    expect(render({ environment: null }).subject).toMatch(/^Calls report/);
  });

  it("keeps line breaks in the environment name out of the subject", () => {
    expect(render({ environment: "dev\r\nBcc: evil@example.com" }).subject).not.toMatch(/[\r\n]/);
  });

  it("says 'no calls' on an empty day", () => {
    expect(render({ summary: emptySummaryFixture() }).subject).toBe("Calls report — Mon 4 Aug 2025 — no calls");
  });
});

describe("KPI tiles", () => {
  it("shows calls, connect rate, talk time, cost, score and cost per call", () => {
    const { html } = render();
    for (const label of ["Calls", "Connect rate", "Talk time", "Total cost", "Avg score", "Cost per call"]) {
      expect(html).toContain(`>${label}</div>`);
    }
    expect(html).toContain("68.2%");
    expect(html).toContain("7.4 / 10");
    expect(html).toContain("$0.253");
  });

  it("marks more calls than the day before as good news (green, ▲)", () => {
    expect(render({ summary: withComparison() }).html).toMatch(/color:#1a7f37;">▲ 12\.2% <span[^>]*>vs Sun 3 Aug/);
  });

  it("marks a higher cost as bad news (red, ▲): up is not always good", () => {
    expect(render({ summary: withComparison() }).html).toMatch(/color:#c62828;">▲ 11\.6% <span[^>]*>vs Sun 3 Aug/);
  });

  it("gives the connect-rate change in percentage points", () => {
    expect(render({ summary: withComparison() }).text).toContain("▲ 2.2 pp vs Sun 3 Aug");
  });

  it("adds the same weekday last week when the summary compares against it", () => {
    expect(render({ summary: withComparison() }).text).toContain("▼ 5.1% vs Mon 28 Jul");
  });

  it("shows no deltas when there is nothing to compare against", () => {
    const { html, text } = render();
    expect(html).not.toMatch(/[▲▼]/);
    expect(text).not.toMatch(/[▲▼]/);
  });
});

describe("charts and tables", () => {
  it("draws outcome and status bars as table cells sized by share, no images", () => {
    const { html } = render();
    expect(html).toContain(">Outcomes</td>");
    expect(html).toContain(">Call status</td>");
    expect(html).toMatch(/<td width="100%" style="background-color:#3b6fd8/);
    expect(html).not.toMatch(/<img/i);
  });

  it("folds the tail of many outcomes into one 'other' bar", () => {
    const byOutcome = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`outcome-${i}`, 100 - i]));
    expect(render({ summary: summaryFixture({ byOutcome }) }).text).toContain("other (4)");
  });

  it("shades 24 hourly cells", () => {
    expect(render().html.match(/<td class="cr-hour[^"]*" title="\d\d:00 — /g)).toHaveLength(24);
  });

  it("lists the top five assistants and counts the rest", () => {
    const assistants = Array.from({ length: 8 }, (_, i) => groupStats(`Assistant ${i + 1}`, 100 - i));
    const { html, text } = render({ summary: summaryFixture({ assistants }) });
    expect(html).toContain("Assistant 5<");
    expect(html).not.toContain("Assistant 6<");
    expect(html).toContain("and 3 more in the workbook");
    expect(text).toContain("and 3 more in the workbook");
  });
});

describe("escaping", () => {
  const hostile = summaryFixture({
    assistants: [groupStats('<script>alert("x")</script>', 10)],
    campaigns: [groupStats("Q4 & <b>friends</b>", 10)],
  });

  it("escapes markup in assistant and campaign names", () => {
    const { html } = render({ summary: hostile });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("Q4 &amp; &lt;b&gt;friends&lt;/b&gt;");
  });

  it("escapes the link inside its href", () => {
    expect(render().html).toContain('href="https://reports.example.com/day.xlsx?sig=a&amp;b=c"');
  });

  it("does not turn a javascript: link into an anchor", () => {
    const { html } = render({ link: { url: "javascript:alert(1)", expiresAt: null } });
    expect(html).not.toContain("javascript:");
  });
});

describe("the workbook", () => {
  it("says how long the download link stays valid", () => {
    expect(render().text).toContain("valid until Tue 12 Aug 2025 06:00 UTC (7 days)");
  });

  it("reads the expiry on the report's clock", () => {
    const summary = summaryFixture({ timezone: "Europe/Berlin" });
    expect(render({ summary }).html).toContain("valid until Tue 12 Aug 2025 08:00 Europe/Berlin (7 days)");
  });

  it("says the workbook is attached when it is", () => {
    expect(render({ attached: true }).text).toContain("calls-report-2025-08-04.xlsx is attached");
  });

  it("explains a link-only email when the workbook was too large", () => {
    const { text, html } = render({ attached: false, notAttachedReason: "too-large" });
    expect(text).toContain("Download calls-report-2025-08-04.xlsx with the link below. It is too large to attach");
    expect(html).toContain(">Download the workbook</a>");
  });

  it("omits the validity when the link does not expire", () => {
    expect(render({ link: { url: "file:///tmp/day.xlsx", expiresAt: null } }).text).not.toContain("valid until");
  });
});

describe("the archive link", () => {
  const archive = {
    url: "https://abc.lambda-url.eu-central-1.on.aws/archive?expires=1757053800&sig=x&y=<z>",
    expiresAt: new Date("2025-09-05T06:30:00Z"),
  };

  it("links the past reports in the footer with the link's real validity, escaped", () => {
    const { html, text } = render({ archive });
    expect(html).toContain(
      'href="https://abc.lambda-url.eu-central-1.on.aws/archive?expires=1757053800&amp;sig=x&amp;y=&lt;z&gt;"',
    );
    expect(html).toMatch(/>Past reports<\/a> \(link valid until Fri 5 Sep 2025 06:30 UTC\)\./);
    expect(text).toContain(`Past reports: ${archive.url} (link valid until Fri 5 Sep 2025 06:30 UTC).`);
  });

  it("names no archive for a local run, nor one that is not a web link", () => {
    expect(render().html).not.toContain("Past reports");
    expect(render({ archive: { url: "javascript:alert(1)", expiresAt: archive.expiresAt } }).html).not.toContain(
      "Past reports",
    );
  });
});

describe("data quality", () => {
  it("stays silent on a clean day, even with calls outside the window", () => {
    expect(dataQualityNotes(summaryFixture())).toEqual([]);
    expect(render().html).not.toContain("Data quality");
  });

  it("notes duplicates, retries and missing evaluations above their share", () => {
    const summary = summaryFixture();
    summary.dataQuality = {
      ...summary.dataQuality,
      received: 1300,
      duplicates: 66,
      requests: 20,
      retries: 5,
      rateLimited: 3,
      missingEvaluations: 400,
    };
    const notes = dataQualityNotes(summary);
    expect(notes).toEqual([
      "66 duplicate rows dropped (the API's pages shifted while reading)",
      "5 of 20 API requests retried, 3 rate-limited",
      "32.4% of calls have no evaluation",
    ]);
    expect(render({ summary }).text).toContain(`Data quality: ${notes.join("; ")}.`);
  });

  it("ignores a single retry on a day of many requests", () => {
    const summary = summaryFixture();
    summary.dataQuality = { ...summary.dataQuality, requests: 40, retries: 1 };
    expect(dataQualityNotes(summary)).toEqual([]);
  });
});

describe("environment and footer", () => {
  it("shows a banner with the environment outside prod", () => {
    const { html, text } = render({ environment: "staging" });
    expect(html).toContain("Environment: staging — not the production report");
    expect(text).toContain("Environment: staging — not the production report");
  });

  it("has no banner on prod", () => {
    expect(render().html).not.toContain("Environment:");
  });

  it("names the timezone and the generation time", () => {
    expect(render().text).toContain("Times are in UTC. Generated Tue 5 Aug 2025 06:00 UTC.");
  });

  it("declares the colour schemes and a 600 px layout", () => {
    const { html } = render();
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("max-width:600px");
  });
});

describe("an empty day", () => {
  it("is a day without calls", () => {
    expect(isEmptyDay(emptySummaryFixture())).toBe(true);
    expect(isEmptyDay(summaryFixture())).toBe(false);
  });

  it("says there were no calls and skips the tiles and charts", () => {
    const { html, text } = render({ summary: emptySummaryFixture() });
    expect(text).toContain("No calls on Mon 4 Aug 2025.");
    expect(html).toContain("No calls on Mon 4 Aug 2025 (UTC).");
    expect(html).not.toContain("Outcomes");
    expect(html).not.toContain("Connect rate");
  });

  it("mentions the previous day's volume when known", () => {
    const summary = emptySummaryFixture();
    summary.comparison = { previousDay: comparison("2025-08-03", { calls: 980 }, summary), sameWeekdayLastWeek: null };
    expect(render({ summary }).text).toContain("Sun 3 Aug 2025 had 980 calls.");
  });
});

describe("plain text", () => {
  it("carries the same headline facts as the HTML", () => {
    const { text } = render();
    for (const fact of ["1,234", "68.2%", "41 h", "$312.40", "7.4 / 10", "Sales Assistant", "Qualified lead"]) {
      expect(text).toContain(fact);
    }
    expect(text).toContain("https://reports.example.com/day.xlsx?sig=a&b=c");
  });

  it("flattens line breaks in names onto one line", () => {
    const summary = summaryFixture({ assistants: [groupStats("Line\r\nBreak", 3)] });
    expect(render({ summary }).text).toContain("  Line Break: 3 calls");
  });
});

describe("labels", () => {
  it("reads API values as words in both parts: not_interested → Not interested", () => {
    const { html, text } = renderEmail({
      summary: summaryFixture({ byOutcome: { not_interested: 3, "no-answer": 1, "(none)": 2 } }),
      link: null,
      environment: null,
      attached: false,
      workbookFileName: "calls-report-2025-08-04.xlsx",
    });
    for (const part of [html, text]) {
      expect(part).toContain("Not interested");
      expect(part).toContain("No answer");
      expect(part).toContain("(none)");
      expect(part).not.toContain("not_interested");
    }
  });
});
