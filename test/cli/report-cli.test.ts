import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import {
  CliUsageError,
  type CliValues,
  cliErrorMessage,
  DEMO_DATE,
  fetchWarningLine,
  isUsageError,
  parseCliInput,
  pauseLine,
  progressLines,
} from "../../bin/report-cli.js";
import {
  AutocallsAuthError,
  AutocallsDeadlineError,
  AutocallsPauseTooLongError,
  AutocallsUnavailableError,
} from "../../lambda/autocalls/errors.js";
import { DEFAULT_API_BASE_URL } from "../../lambda/settings.js";

const TOKEN_ENV = { AUTOCALLS_API_TOKEN: "secret-token" };

/** parseCliInput with a token set and a fixed "now", so the default date is known. */
function parse(values: CliValues = {}, env: NodeJS.ProcessEnv = TOKEN_ENV, now = "2025-08-05T09:00:00Z") {
  return parseCliInput(values, env, () => new Date(now));
}

function usageErrorOf(run: () => unknown): CliUsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return error as CliUsageError;
  }
  throw new Error("expected a CliUsageError, nothing was thrown");
}

describe("parseCliInput defaults", () => {
  it("reports yesterday in UTC into ./reports against the public API when no flag is given", () => {
    const input = parse();

    expect(input).toMatchObject({
      demo: false,
      help: false,
      date: "2025-08-04",
      timezone: "UTC",
      apiTimezone: "UTC",
      outDir: "reports",
      baseUrl: DEFAULT_API_BASE_URL,
      token: "secret-token",
      filters: {},
      fetchTimeoutMinutes: 10,
    });
  });

  it("takes yesterday in --timezone, not in UTC", () => {
    // 20:00 UTC on the 5th is already 05:00 on the 6th in Tokyo.
    expect(parse({ timezone: "Asia/Tokyo" }, TOKEN_ENV, "2025-08-05T20:00:00Z").date).toBe("2025-08-05");
  });

  it("trims a token pasted with a trailing newline", () => {
    expect(parse({}, { AUTOCALLS_API_TOKEN: "secret-token\n" }).token).toBe("secret-token");
  });

  it("reads the API's timezone and base URL from the environment", () => {
    const input = parse(
      {},
      { ...TOKEN_ENV, AUTOCALLS_API_TIMEZONE: "Europe/Berlin", AUTOCALLS_BASE_URL: "http://127.0.0.1:8080/api" },
    );

    expect(input.apiTimezone).toBe("Europe/Berlin");
    expect(input.baseUrl).toBe("http://127.0.0.1:8080/api");
  });

  it("writes the .eml to MAIL_TO's comma-separated recipients from MAIL_FROM", () => {
    const input = parse({}, { ...TOKEN_ENV, MAIL_FROM: "bot@acme.test", MAIL_TO: " a@acme.test, b@acme.test ,," });

    expect(input.recipients).toEqual({ from: "bot@acme.test", to: ["a@acme.test", "b@acme.test"], cc: [], bcc: [] });
  });

  it("passes --assistant-id and --campaign-id on as numeric filters", () => {
    expect(parse({ "assistant-id": "812", "campaign-id": "3" }).filters).toEqual({ assistantId: 812, campaignId: 3 });
  });
});

describe("parseCliInput with --demo", () => {
  it("needs no token and reports the fixed demo day", () => {
    const input = parse({ demo: true }, {});

    expect(input.date).toBe(DEMO_DATE);
    expect(input.token).toBeUndefined();
  });

  it("lets --date choose another demo day", () => {
    expect(parse({ demo: true, date: "2025-08-01" }, {}).date).toBe("2025-08-01");
  });

  it("pretends to run the morning after the report day, whatever the real clock says", () => {
    const input = parse({ demo: true, timezone: "Asia/Tokyo" }, {}, "2031-01-01T00:00:00Z");

    // The Tokyo day ends at 15:00Z; the demo run is 6.5 h later, at 06:30 Tokyo time.
    expect(input.clock.now().toISOString()).toBe("2025-08-04T21:30:00.000Z");
  });
});

describe("parseCliInput refusals", () => {
  it("refuses a day that has not ended (09:00Z on 5 Aug: the 5th is under way) and offers --preview", () => {
    expect(usageErrorOf(() => parse({ date: "2025-08-05" })).message).toBe(
      "2025-08-05 has not ended in UTC yet (it can be reported from 00:15 on 6 Aug 2025) — pick an earlier --date, or add --preview for a partial report.",
    );
    expect(parse({ date: "2025-08-05", preview: true }).preview).toBe(true);
  });

  it("refuses --preview of a day that has ended, and of one that has not begun", () => {
    expect(usageErrorOf(() => parse({ date: "2025-08-04", preview: true })).message).toBe(
      "2025-08-04 has ended in UTC — leave out --preview to report the full day.",
    );
    expect(usageErrorOf(() => parse({ date: "2025-08-06", preview: true })).message).toBe(
      "2025-08-06 has not begun in UTC yet — --preview shows a day under way; pick today or an earlier --date.",
    );
  });

  it("refuses a missing token and points at the variable and at --demo", () => {
    const error = usageErrorOf(() => parse({}, {}));

    expect(error.message).toContain("AUTOCALLS_API_TOKEN");
    expect(error.message).toContain("--demo");
  });

  it("treats a blank token as missing", () => {
    usageErrorOf(() => parse({}, { AUTOCALLS_API_TOKEN: "  \n" }));
  });

  it("shows --help without asking for a token", () => {
    expect(parse({ help: true }, {}).help).toBe(true);
  });

  it("refuses a date that is not on the calendar, naming the flag and the format", () => {
    const error = usageErrorOf(() => parse({ date: "2025-02-30" }));

    expect(error.message).toContain('--date "2025-02-30"');
    expect(error.message).toContain("YYYY-MM-DD");
  });

  it("refuses an unknown --timezone, naming the flag", () => {
    expect(usageErrorOf(() => parse({ timezone: "Mars/Base" })).message).toContain('--timezone "Mars/Base"');
  });

  it("refuses an unknown AUTOCALLS_API_TIMEZONE, naming the variable", () => {
    const error = usageErrorOf(() => parse({}, { ...TOKEN_ENV, AUTOCALLS_API_TIMEZONE: "Mars/Base" }));

    expect(error.message).toContain('AUTOCALLS_API_TIMEZONE "Mars/Base"');
  });

  it("refuses an AUTOCALLS_BASE_URL that is not http(s)", () => {
    const error = usageErrorOf(() => parse({}, { ...TOKEN_ENV, AUTOCALLS_BASE_URL: "ftp://example.com/api" }));

    expect(error.message).toContain("AUTOCALLS_BASE_URL");
  });

  it.each(["abc", "0", "-3", "1.5", "12abc", ""])("refuses --assistant-id %j", (value) => {
    expect(usageErrorOf(() => parse({ "assistant-id": value })).message).toContain("--assistant-id");
  });

  it.each(["", "  "])("refuses an empty --out %j rather than write into the current folder", (out) => {
    expect(usageErrorOf(() => parse({ out })).message).toMatch(/^--out is empty — .*--out \.\/reports/);
  });

  it("refuses a --campaign-id that is not a positive whole number", () => {
    expect(usageErrorOf(() => parse({ "campaign-id": "x" })).message).toContain("--campaign-id");
  });

  it("takes --fetch-timeout in minutes, fractions too", () => {
    expect(parse({ "fetch-timeout": "2.5" }).fetchTimeoutMinutes).toBe(2.5);
  });

  it.each(["0", "-1", "ten", "1e3", ""])("refuses --fetch-timeout %j, naming the flag", (value) => {
    expect(usageErrorOf(() => parse({ "fetch-timeout": value })).message).toMatch(
      /^--fetch-timeout ".*" is not a positive number of minutes/,
    );
  });

  it.each(["--assistant-id", "--campaign-id"])("refuses a %s beyond the safe integer range", (flag) => {
    const values = { [flag.slice(2)]: "99999999999999999999999" } as CliValues;

    expect(usageErrorOf(() => parse(values)).message).toMatch(new RegExp(`^${flag} .*9007199254740991`));
  });
});

describe("cliErrorMessage", () => {
  it("points a flag the parser does not know at --help", () => {
    let parseError: unknown;
    try {
      parseArgs({ args: ["--bogus"], options: {}, strict: true });
    } catch (error) {
      parseError = error;
    }

    expect(isUsageError(parseError)).toBe(true);
    expect(cliErrorMessage(parseError)).toMatch(/^Error: .*--bogus.* — run with --help for the options\.$/);
  });

  it("prints our own errors' messages as they are, since they already say what to fix", () => {
    expect(cliErrorMessage(new AutocallsAuthError(401))).toBe(`Error: ${new AutocallsAuthError(401).message}`);
  });

  it("marks an unexpected built-in error as such and suggests --verbose", () => {
    expect(cliErrorMessage(new TypeError("x is not a function"))).toBe(
      "Error: x is not a function (unexpected — run again with --verbose for the details).",
    );
  });

  it.each([
    ["EACCES", "permission denied"],
    ["EPERM", "permission denied"],
    ["EROFS", "it is on a read-only file system"],
    ["ENOTDIR", "a file is in the way"],
    ["ENOSPC", "the disk is full"],
  ])("says which --out folder cannot be written and why on %s, as an ordinary error", (code, why) => {
    const error = Object.assign(new Error(`${code}: mkdir '/srv/reports/.callreport-staging-1'`), {
      code,
      path: "/srv/reports/.callreport-staging-1",
    });

    const message = cliErrorMessage(error, { outDir: "/srv/reports" });

    expect(message).toMatch(new RegExp(`^Error: cannot write the report into /srv/reports: ${why}.* — .*--out`));
    expect(message).not.toContain("unexpected");
    expect(message.split("\n")).toHaveLength(1);
  });

  it("names the folder that squats on a report file's name", () => {
    const error = Object.assign(new Error("EISDIR: illegal operation on a directory, rename"), {
      code: "EISDIR",
      path: "/srv/reports/.callreport-staging-1/summary-2025-08-04.json",
      dest: "/srv/reports/summary-2025-08-04.json",
    });

    expect(cliErrorMessage(error, { outDir: "/srv/reports" })).toBe(
      "Error: cannot write the report into /srv/reports: a folder named summary-2025-08-04.json is in the way — move it away and run again.",
    );
  });

  it("keeps a file error outside --out unexpected", () => {
    const error = Object.assign(new Error("EACCES: open '/etc/x'"), { code: "EACCES", path: "/etc/x" });

    expect(cliErrorMessage(error, { outDir: "/srv/reports" })).toContain("unexpected");
  });

  it("prints a thrown non-Error value", () => {
    expect(cliErrorMessage("boom")).toBe("Error: boom");
  });

  it("names AUTOCALLS_BASE_URL on a second line when the API could not be reached at all", () => {
    const unreachable = new AutocallsUnavailableError(1, 7, "network error: fetch failed (ECONNREFUSED)");

    const lines = cliErrorMessage(unreachable, { baseUrl: "http://127.0.0.1:9/api" }).split("\n");

    expect(lines).toEqual([`Error: ${unreachable.message}`, expect.stringContaining("http://127.0.0.1:9/api")]);
    expect(lines[1]).toContain("AUTOCALLS_BASE_URL");
  });

  it("does not blame the base URL when a page times out after the API had answered", () => {
    const slow = new AutocallsUnavailableError(2, 7, "no answer within 30000 ms", { answered: true, pagesDone: 1 });

    expect(cliErrorMessage(slow, { baseUrl: "https://app.autocalls.ai/api" })).toBe(`Error: ${slow.message}`);
  });

  it.each([
    ["the deadline", new AutocallsDeadlineError(Date.UTC(2025, 7, 5, 14), 3, 13, "no answer within 30000 ms")],
    ["a pause past the deadline", new AutocallsPauseTooLongError(3_600_000, Date.UTC(2025, 7, 5, 15), "Retry-After")],
  ])("says how to give the fetch more time after %s", (_name, error) => {
    expect(cliErrorMessage(error, { fetchTimeoutMinutes: 10 }).split("\n")).toEqual([
      `Error: ${error.message}`,
      "To give the fetch more time, raise --fetch-timeout (now 10 minutes).",
    ]);
  });

  it("does not blame the base URL when the API answered with errors", () => {
    const outage = new AutocallsUnavailableError(1, 7, "HTTP 503 with an HTML error page");

    expect(cliErrorMessage(outage, { baseUrl: "https://app.autocalls.ai/api" })).toBe(`Error: ${outage.message}`);
  });
});

describe("fetchWarningLine", () => {
  it("says which page failed, why, and that it is retried", () => {
    expect(
      fetchWarningLine("autocalls request failed, retrying", {
        page: 2,
        attempt: 0,
        problem: "no answer within 30000 ms",
        pauseMs: undefined,
      }),
    ).toBe("Page 2: no answer within 30000 ms — retrying (retry 1)");
  });

  it("says when the whole result is fetched again", () => {
    expect(
      fetchWarningLine("autocalls result inconsistent, fetching all pages again", {
        reason: "the total changed while paging",
      }),
    ).toBe("The API's count did not add up (the total changed while paging) — fetching all pages again");
  });
});

describe("pauseLine", () => {
  const at = Date.UTC(2025, 7, 5, 14, 4, 25);

  it("says the API rate-limited the run, how long the wait is and until when", () => {
    expect(pauseLine({ ms: 45_000, until: at + 45_000, reason: "rateLimited" })).toBe(
      "Rate limited by the API: waiting 45 s (until 14:05:10 UTC)",
    );
  });

  it("says the client is pacing itself when it holds back to avoid a 429", () => {
    expect(pauseLine({ ms: 50_000, until: at + 50_000, reason: "pacing" })).toBe(
      "Pacing to the API's rate limit: waiting 50 s (until 14:05:15 UTC)",
    );
  });
});

describe("progressLines (stderr is not a terminal)", () => {
  it("prints the first and last page and every tenth of the pages between", () => {
    const line = progressLines(() => 0);

    const printed = Array.from({ length: 50 }, (_, i) => line({ pagesDone: i + 1, pagesTotal: 50 })).filter(Boolean);

    expect(printed).toEqual([1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map((n) => `Fetching calls: page ${n}/50`));
  });

  it("prints a page that comes 15 s or more after the last line, however few pages that is", () => {
    let now = 0;
    const line = progressLines(() => now);
    line({ pagesDone: 1, pagesTotal: 100 });

    now = 14_999;
    const early = line({ pagesDone: 2, pagesTotal: 100 });
    now = 15_000;
    const late = line({ pagesDone: 3, pagesTotal: 100 });

    expect([early, late]).toEqual([undefined, "Fetching calls: page 3/100"]);
  });
});

describe("parseCliInput with --period", () => {
  it("takes the week holding --date, or the last one that ended", () => {
    expect(parse({ period: "week", date: "2025-08-06" }, TOKEN_ENV, "2025-08-20T09:00:00Z").period).toMatchObject({
      label: "2025-W32",
    });
    // Tuesday 5 Aug 2025: the last week that ended is W31 (28 Jul – 3 Aug).
    expect(parse({ period: "week" }).period).toMatchObject({ label: "2025-W31", lastDate: "2025-08-03" });
    expect(parse({ period: "month" }).period).toMatchObject({ label: "2025-07" });
  });

  it("says to wait, not to pick a --date, when the last week ended minutes ago and no --date was given", () => {
    // Monday 00:05 UTC: W31 ended five minutes ago, within the settling margin.
    expect(usageErrorOf(() => parse({ period: "week" }, TOKEN_ENV, "2025-08-04T00:05:00Z")).message).toBe(
      "the week 2025-W31 ends on 2025-08-03, and 2025-08-03 has only just ended in UTC (it can be reported from 00:15 on 4 Aug 2025) — run it again then, or name a day of an earlier week with --date.",
    );
    expect(
      usageErrorOf(() => parse({ period: "week", date: "2025-08-06" }, TOKEN_ENV, "2025-08-11T00:05:00Z")).message,
    ).toMatch(/— pick a --date in an earlier week\.$/);
  });
});
