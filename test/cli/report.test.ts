/**
 * The `report` CLI contract (issue 2), end to end: the real entry point runs as a child
 * process, against the built-in demo or a simulated Autocalls API started here, and the
 * tests look only at what a user or a script sees — exit code, stdout, stderr, files.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATED_ASSISTANTS, type Simulator, startSimulator } from "../../demo/simulator.js";
import { localDate, shiftDate } from "../../lambda/report/window.js";
import { closedPortEndpoint } from "../support/faulty-endpoints.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DAY = "2025-08-04";
const WORKBOOK = `calls-report-${DAY}.xlsx`;
const SUMMARY = `summary-${DAY}.json`;
const EML = `email-${DAY}.eml`;
const HTML = `email-${DAY}.html`;
const REPORT_FILES = [WORKBOOK, EML, HTML, SUMMARY];
const TOKEN = "right";

// A hung child must not outlive its test (60 s); 50 s is far above any run here.
const CHILD_KILL_AFTER_MS = 50_000;

interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `bin/report.ts` the way `npm run report` does (tsx), from the repo root, with only the
 * environment given here: nothing leaks in from the machine running the tests.
 */
function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; finished: Promise<CliRun> } {
  const options: SpawnOptions = {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), TZ: "UTC", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: CHILD_KILL_AFTER_MS,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "bin/report.ts", ...args], options);
  const finished = new Promise<CliRun>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
  return { child, finished };
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return startCli(args, env).finished;
}

/** `script` (util-linux) gives the CLI a pseudo-terminal; stdout and stderr both go to it. */
const SCRIPT = "/usr/bin/script";
const hasScript = existsSync(SCRIPT);

/** Runs the CLI with a terminal for stdout and stderr, as when a person types the command. */
function runCliInTerminal(args: string[], env: Record<string, string>): Promise<CliRun> {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, "--import", "tsx", "bin/report.ts", ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ["--quiet", "--return", "--command", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), TZ: "UTC", SHELL: "/bin/sh", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: CHILD_KILL_AFTER_MS,
    });
    let terminal = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      terminal += chunk;
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout: terminal, stderr: terminal }));
  });
}

let scratch: string;
let outCount = 0;

/** A fresh, not yet existing `--out` folder. */
function newOutDir(label: string): string {
  outCount += 1;
  return join(scratch, `${outCount}-${label}`);
}

/** Every entry in `dir`, hidden ones included; a folder that was never created is empty. */
async function listing(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function readSummary(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, SUMMARY), "utf8")) as Record<string, unknown>;
}

/** Lines the CLI writes while it works (stderr not a terminal), before any error. */
const WORKING_LINE =
  /^(Fetching calls: page \d+\/\d+|Rate limited by the API: .*|Pacing to the API's rate limit: .*|Page \d+: .* — retrying \(retry \d+\))$/;

/**
 * The contract for every failure: after any progress lines, one or two plain lines on stderr
 * that say what and how to fix, no stack.
 */
function expectPlainFailure(run: CliRun, exitCode: number, mentions: string[]): void {
  expect(run.exitCode, run.stderr).toBe(exitCode);
  const lines = run.stderr
    .trimEnd()
    .split("\n")
    .filter((line) => !WORKING_LINE.test(line));
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines.length).toBeLessThanOrEqual(2);
  for (const mention of mentions) expect(run.stderr).toContain(mention);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stdout).toBe("");
}

/** A port on 127.0.0.1 that nothing listens on: bound once by the OS, then released. */
async function stagingFolders(dir: string): Promise<string[]> {
  return (await listing(dir)).filter((entry) => entry.startsWith(".callreport-staging-"));
}

/** Checks `condition` until it holds; fails if the run ends first (it was too quick to catch). */
async function untilRunShows(finished: Promise<CliRun>, condition: () => Promise<boolean>): Promise<void> {
  let exited = false;
  void finished.then(() => {
    exited = true;
  });
  while (!exited && !(await condition())) await sleep(10);
  expect(exited, "the run ended before it could be caught").toBe(false);
}

let simulator: Simulator;

function apiEnv(token = TOKEN): Record<string, string> {
  return { AUTOCALLS_API_TOKEN: token, AUTOCALLS_BASE_URL: simulator.baseUrl };
}

async function countSimulatedCalls(query: { assistantId?: number } = {}): Promise<number> {
  let count = 0;
  for await (const _ of simulator.callsFor({ dateFrom: DAY, dateTo: DAY, ...query })) count += 1;
  return count;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "callreport-cli-"));
  simulator = await startSimulator({ token: TOKEN });
});

afterAll(async () => {
  await simulator?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// Each run is a Node process that loads tsx, exceljs and the pipeline: CPU-bound, not waiting.
// On a 2-core machine several at once only stretch each one towards its timeout, so the runs
// go one after another; only the runs that mostly sleep (retry backoff) overlap with others.
describe("report --demo", () => {
  let demoOut: string;
  let demo: CliRun;
  let againOut: string;
  let again: CliRun;

  // Both demo runs here, side by side (one per core), under the hook's longer limit.
  beforeAll(async () => {
    demoOut = newOutDir("demo");
    againOut = newOutDir("demo-again");
    [demo, again] = await Promise.all([
      runCli(["--demo", "--out", demoOut]),
      runCli(["--demo", "--out", againOut], { TZ: "America/Los_Angeles" }),
    ]);
  });

  it("exits 0 and writes exactly the four report files into --out, with no staging folder left", async () => {
    expect(demo.exitCode, demo.stderr).toBe(0);
    expect(await listing(demoOut)).toEqual(REPORT_FILES);
  });

  it("prints where the four files are on stdout", () => {
    for (const file of REPORT_FILES) expect(demo.stdout).toContain(join(demoOut, file));
  });

  it("writes a summary with the contract's fields", async () => {
    const summary = await readSummary(demoOut);

    const counts = expect.toSatisfy(
      (value: unknown) =>
        typeof value === "object" &&
        value !== null &&
        Object.values(value).every((count) => Number.isInteger(count) && (count as number) >= 0),
      "an object of value → count",
    );
    const group = {
      name: expect.any(String),
      calls: expect.any(Number),
      durationSeconds: expect.any(Number),
      totalCost: expect.any(Number),
    };
    expect(summary).toMatchObject({
      date: DAY,
      timezone: "UTC",
      window: { start: "2025-08-04T00:00:00.000Z", end: "2025-08-05T00:00:00.000Z" },
      totals: {
        calls: expect.any(Number),
        durationSeconds: expect.any(Number),
        totalCost: expect.any(Number),
        carrierCost: expect.any(Number),
      },
      byStatus: counts,
      byType: counts,
      byAnsweredBy: counts,
      byOutcome: counts,
      bySentiment: counts,
      averageScore: expect.any(Number),
      dataQuality: {
        received: expect.any(Number),
        duplicates: expect.any(Number),
        outsideWindow: expect.any(Number),
        apiTotal: expect.any(Number),
      },
    });
    const { totals, assistants, campaigns, hourly } = summary as {
      totals: { calls: number };
      assistants: unknown[];
      campaigns: unknown[];
      hourly: number[];
    };
    expect(totals.calls).toBeGreaterThan(0);
    expect(assistants.length).toBeGreaterThan(0);
    for (const assistant of assistants) expect(assistant).toMatchObject(group);
    expect(campaigns.length).toBeGreaterThan(0);
    for (const campaign of campaigns) expect(campaign).toMatchObject(group);
    expect(hourly).toHaveLength(24);
    expect(hourly.reduce((sum, count) => sum + count, 0)).toBe(totals.calls);
  });

  it("writes a workbook whose first sheet is Summary and whose Calls sheet has a Call ID header and a row per call", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(demoOut, WORKBOOK));
    const { totals } = (await readSummary(demoOut)) as { totals: { calls: number } };

    expect(workbook.worksheets[0]?.name).toBe("Summary");
    const calls = workbook.getWorksheet("Calls");
    expect(calls?.getRow(1).getCell(1).value).toBe("Call ID");
    expect(calls?.actualRowCount).toBe(totals.calls + 1);
  });

  it("writes an .eml that parses and carries the workbook as its attachment, byte for byte", async () => {
    const message = await simpleParser(await readFile(join(demoOut, EML)));
    const workbookBytes = await readFile(join(demoOut, WORKBOOK));

    expect(message.subject).toContain("Aug 2025");
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment?.filename).toBe(WORKBOOK);
    expect(attachment?.contentType).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(attachment?.content.equals(workbookBytes)).toBe(true);
  });

  it("writes the .eml's own HTML part as the browser preview", async () => {
    const message = await simpleParser(await readFile(join(demoOut, EML)));

    expect(message.html).toBe(await readFile(join(demoOut, HTML), "utf8"));
  });

  it("writes the same summary and email on every run, whatever the machine's timezone", async () => {
    expect(again.exitCode, again.stderr).toBe(0);

    expect(await readFile(join(againOut, SUMMARY), "utf8")).toBe(await readFile(join(demoOut, SUMMARY), "utf8"));
    // The email links the workbook by its file:// URL, which names the --out folder; the rest must match.
    const html = async (dir: string) => (await readFile(join(dir, HTML), "utf8")).replaceAll(dir, "<out>");
    expect(await html(againOut)).toBe(await html(demoOut));
    // The .eml's Message-ID and MIME boundaries are random by design, and the attached xlsx is a
    // zip stamped with the time it was written; what a reader sees must still be the same.
    const seen = async (dir: string) => {
      const message = await simpleParser(await readFile(join(dir, EML)));
      return {
        subject: message.subject,
        date: message.date?.toISOString(),
        from: message.from?.text,
        to: [message.to].flat().map((address) => address?.text),
        text: message.text?.replaceAll(dir, "<out>"),
        attachments: message.attachments.map(({ filename, contentType }) => ({ filename, contentType })),
      };
    };
    expect(await seen(againOut)).toEqual(await seen(demoOut));
  });
});

describe("report against the Autocalls API", () => {
  let apiOut: string;
  let apiRun: CliRun;

  beforeAll(async () => {
    apiOut = newOutDir("api");
    apiRun = await runCli(["--date", DAY, "--out", apiOut], apiEnv());
  });

  it("reports every call of the day when AUTOCALLS_API_TOKEN is accepted", async () => {
    expect(apiRun.exitCode, apiRun.stderr).toBe(0);
    expect(await listing(apiOut)).toEqual(REPORT_FILES);
    expect(await readSummary(apiOut)).toMatchObject({
      date: DAY,
      totals: { calls: await countSimulatedCalls() },
    });
  });

  it("reads the day in --timezone: the Tokyo day starts at 15:00Z the day before", async () => {
    const tokyoOut = newOutDir("tokyo");

    const tokyo = await runCli(["--date", DAY, "--timezone", "Asia/Tokyo", "--out", tokyoOut], apiEnv());

    expect(tokyo.exitCode, tokyo.stderr).toBe(0);
    expect(await readSummary(tokyoOut)).toMatchObject({
      date: DAY,
      timezone: "Asia/Tokyo",
      window: { start: "2025-08-03T15:00:00.000Z", end: "2025-08-04T15:00:00.000Z" },
    });
  });

  it("a failed run leaves an earlier run's report untouched", async () => {
    expect(apiRun.exitCode, apiRun.stderr).toBe(0);
    // A copy of the successful run's folder, timestamps included, so that one run serves both tests.
    const out = newOutDir("earlier");
    await cp(apiOut, out, { recursive: true, preserveTimestamps: true });
    const snapshot = async () =>
      Promise.all(
        (await listing(out)).map(async (file) => ({
          file,
          bytes: await readFile(join(out, file)),
          modifiedMs: (await stat(join(out, file))).mtimeMs,
        })),
      );
    const before = await snapshot();

    const failed = await runCli(["--date", DAY, "--out", out], apiEnv("wrong"));

    expect(failed.exitCode).toBe(1);
    expect(await snapshot()).toEqual(before);
    expect(before.map(({ file }) => file)).toEqual(REPORT_FILES);
  });

  it("shows progress as whole lines, no \\r, when stderr is not a terminal", () => {
    expect(apiRun.exitCode, apiRun.stderr).toBe(0);
    expect(apiRun.stderr).not.toContain("\r");
    expect(apiRun.stderr).toBe(
      ["Fetching calls: page 1/3", "Fetching calls: page 2/3", "Fetching calls: page 3/3", ""].join("\n"),
    );
  });

  it.skipIf(!hasScript)("shows page progress on stderr when it is a terminal", async () => {
    const run = await runCliInTerminal(["--date", DAY, "--out", newOutDir("terminal")], apiEnv());

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("\rFetching calls: page 1/3");
    expect(run.stderr).toContain("\rFetching calls: page 3/3");
  });

  it.skipIf(!hasScript)("ends the progress line before an error that stops the fetch halfway", async () => {
    // A 422 is final, not retried: the run stops right after page 1's progress. The latency lets
    // page 1's calls reach the spool file first: CallSpool.dispose() destroying a stream with
    // writes pending crashes the process (ERR_STREAM_DESTROYED), a race reported separately.
    const failing = await startSimulator({
      token: TOKEN,
      latencyMs: 150,
      fault: ({ page }) =>
        page === 2 ? { kind: "status", status: 422, body: '{"message":"Invalid page."}' } : undefined,
    });
    try {
      const run = await runCliInTerminal(["--date", DAY, "--out", newOutDir("terminal-failure")], {
        AUTOCALLS_API_TOKEN: TOKEN,
        AUTOCALLS_BASE_URL: failing.baseUrl,
      });

      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toContain("Fetching calls: page 1/3");
      expect(run.stderr).toMatch(/(^|\n)Error: .*422/);
    } finally {
      await failing.close();
    }
  });

  it("--assistant-id asks the API for that assistant's calls only", async () => {
    const [assistant] = SIMULATED_ASSISTANTS;
    if (!assistant) throw new Error("the simulator has no assistants");
    // Its own simulator, so that the request log holds this run's requests only.
    const filtered = await startSimulator({ token: TOKEN });
    try {
      const out = newOutDir("assistant");

      const run = await runCli(["--date", DAY, "--assistant-id", String(assistant.id), "--out", out], {
        AUTOCALLS_API_TOKEN: TOKEN,
        AUTOCALLS_BASE_URL: filtered.baseUrl,
      });

      expect(run.exitCode, run.stderr).toBe(0);
      expect(filtered.requests.length).toBeGreaterThan(0);
      for (const request of filtered.requests) expect(request.query.assistant_id).toBe(String(assistant.id));
      const summary = (await readSummary(out)) as { assistants: { name: string }[]; totals: { calls: number } };
      expect(summary.assistants.map(({ name }) => name)).toEqual([assistant.name]);
      expect(summary.totals.calls).toBe(await countSimulatedCalls({ assistantId: assistant.id }));
    } finally {
      await filtered.close();
    }
  });
});

describe("report failures", () => {
  it.concurrent("a rejected token: exit 1, the 401 and the variable to fix, no report files", async () => {
    const out = newOutDir("wrong-token");

    const run = await runCli(["--date", DAY, "--out", out], apiEnv("wrong"));

    expectPlainFailure(run, 1, ["401", "AUTOCALLS_API_TOKEN"]);
    expect(await listing(out)).toEqual([]);
  });

  it.concurrent("--verbose adds the stack trace under the same message", async () => {
    const run = await runCli(["--date", DAY, "--out", newOutDir("verbose"), "--verbose"], apiEnv("wrong"));

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^Error: .*401.*AUTOCALLS_API_TOKEN/);
    expect(run.stderr).toMatch(/^\s+at /m);
  });

  it.concurrent("an unreachable base URL: exit 1, the outage and the address to check, no report files", async () => {
    const out = newOutDir("unreachable");
    const baseUrl = `${await closedPortEndpoint()}/api`;

    // Refused before the API ever answered: the client gives up after a second try.
    const run = await runCli(["--date", DAY, "--out", out], {
      AUTOCALLS_API_TOKEN: TOKEN,
      AUTOCALLS_BASE_URL: baseUrl,
    });

    expectPlainFailure(run, 1, ["unavailable", "AUTOCALLS_BASE_URL", baseUrl]);
    // The wait between the two tries is not silent either.
    expect(run.stderr).toMatch(/^Page 1: network error: .*ECONNREFUSED.* — retrying \(retry 1\)$/m);
    expect(await listing(out)).toEqual([]);
  }, 60_000);

  it("a page that hangs after page 1: progress, then the deadline of --fetch-timeout and how to raise it", async () => {
    const hanging = await startSimulator({
      token: TOKEN,
      fault: ({ page }) => (page === 2 ? { kind: "hang" } : undefined),
    });
    try {
      const out = newOutDir("hung-page");

      // 0.1 minutes: a 6 s deadline, far below the 30 s request timeout the hang would otherwise hit.
      const run = await runCli(["--date", DAY, "--out", out, "--fetch-timeout", "0.1"], {
        AUTOCALLS_API_TOKEN: TOKEN,
        AUTOCALLS_BASE_URL: hanging.baseUrl,
      });

      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /^Fetching calls: page 1\/3\nError: Fetching calls did not finish before the deadline /,
      );
      expect(run.stderr).toContain("raise --fetch-timeout (now 0.1 minutes)");
      expect(run.stderr).not.toContain("AUTOCALLS_BASE_URL");
      expect(await listing(out)).toEqual([]);
    } finally {
      await hanging.close();
    }
  }, 60_000);

  it("a --fetch-timeout that is not a positive number: exit 2, naming the flag", async () => {
    const run = await runCli(["--demo", "--fetch-timeout", "0", "--out", newOutDir("bad-timeout")]);

    expectPlainFailure(run, 2, ['--fetch-timeout "0"']);
  });

  it("an impossible --date: exit 2, naming the date and the format", async () => {
    const out = newOutDir("bad-date");

    const run = await runCli(["--date", "2025-02-30", "--out", out], apiEnv());

    expectPlainFailure(run, 2, ["2025-02-30", "YYYY-MM-DD"]);
    expect(await listing(out)).toEqual([]);
  });

  it("an unknown --timezone: exit 2, naming it and what a timezone looks like", async () => {
    const out = newOutDir("bad-timezone");

    const run = await runCli(["--timezone", "Mars/Base", "--out", out], apiEnv());

    expectPlainFailure(run, 2, ["Mars/Base", "IANA"]);
    expect(await listing(out)).toEqual([]);
  });

  it("no AUTOCALLS_API_TOKEN without --demo: exit 2, naming the variable and --demo", async () => {
    const out = newOutDir("no-token");

    const run = await runCli(["--out", out], { AUTOCALLS_BASE_URL: simulator.baseUrl });

    expectPlainFailure(run, 2, ["AUTOCALLS_API_TOKEN", "--demo"]);
    expect(await listing(out)).toEqual([]);
  });

  it("an unknown flag: exit 2, naming it and --help", async () => {
    const out = newOutDir("unknown-flag");

    const run = await runCli(["--demo", "--out", out, "--bogus"]);

    expectPlainFailure(run, 2, ["--bogus", "--help"]);
    expect(await listing(out)).toEqual([]);
  });

  it("a non-numeric --assistant-id: exit 2, naming the flag", async () => {
    const out = newOutDir("bad-assistant");

    const run = await runCli(["--demo", "--assistant-id", "abc", "--out", out]);

    expectPlainFailure(run, 2, ['--assistant-id "abc"']);
    expect(await listing(out)).toEqual([]);
  });

  it("an empty --out: exit 2, instead of writing into the current folder", async () => {
    const run = await runCli(["--demo", "--out", ""]);

    expectPlainFailure(run, 2, ["--out is empty", "--out ./reports"]);
  });

  it("a file where the --out folder should be: exit 1, naming the folder and the file in the way", async () => {
    const file = newOutDir("a-file");
    await writeFile(file, "not a folder\n");

    const run = await runCli(["--date", DAY, "--out", join(file, "reports")], apiEnv());

    expectPlainFailure(run, 1, [`cannot write the report into ${join(file, "reports")}`, "a file is in the way"]);
    expect(run.stderr).not.toContain("unexpected");
    expect(await readFile(file, "utf8")).toBe("not a folder\n");
  });

  it("a day that has not ended: exit 2, saying when it can be reported and offering --preview", async () => {
    const out = newOutDir("tomorrow");
    const tomorrow = shiftDate(localDate(new Date(), "UTC"), 1);

    const run = await runCli(["--date", tomorrow, "--out", out], apiEnv());

    expectPlainFailure(run, 2, [
      `${tomorrow} has not ended in UTC yet (it can be reported from 00:15 on`,
      "pick an earlier --date, or add --preview for a partial report",
    ]);
    expect(await listing(out)).toEqual([]);
  });

  it("--preview reports today so far under -preview names, labelled a partial day", async () => {
    const out = newOutDir("preview");
    const today = localDate(new Date(), "UTC");

    const run = await runCli(["--date", today, "--preview", "--out", out], apiEnv());

    expect(run.exitCode, run.stderr).toBe(0);
    const names = [`calls-report-${today}-preview.xlsx`, `email-${today}-preview.eml`, `email-${today}-preview.html`];
    expect(await listing(out)).toEqual([...names, `summary-${today}-preview.json`]);
    const summary = JSON.parse(await readFile(join(out, `summary-${today}-preview.json`), "utf8"));
    expect(summary).toMatchObject({ date: today, partialAsOf: expect.any(String) });
    expect((await simpleParser(await readFile(join(out, names[1] as string)))).subject).toMatch(
      /partial day as of \d\d:\d\d/,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(out, names[0] as string));
    expect(String(workbook.getWorksheet("Summary")?.getCell("A1").value)).toMatch(/ — partial day as of \d\d:\d\d$/);
    expect(run.stdout).toContain("partial day as of");
  });

  it("a failure after the workbook was written leaves no report files and no staging folder", async () => {
    const out = newOutDir("bad-recipient");

    // The recipients are checked when the email is composed, after the workbook and summary.
    const run = await runCli(["--date", DAY, "--out", out], { ...apiEnv(), MAIL_TO: "not an address" });

    expectPlainFailure(run, 1, ["not an address", "MAIL_TO"]);
    expect(await listing(out)).toEqual([]);
  });

  it("Ctrl-C during a run leaves no staging folder behind", async () => {
    // Slow pages keep the run going, its staging folder in place, until the interrupt lands.
    const slow = await startSimulator({ token: TOKEN, latencyMs: 2_000 });
    try {
      const out = newOutDir("interrupted");
      const { child, finished } = startCli(["--date", DAY, "--out", out], {
        AUTOCALLS_API_TOKEN: TOKEN,
        AUTOCALLS_BASE_URL: slow.baseUrl,
      });
      await untilRunShows(finished, async () => (await stagingFolders(out)).length > 0);

      child.kill("SIGINT");
      const run = await finished;

      expect(run.exitCode).toBe(130);
      expect(await listing(out)).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("a run killed mid-fetch (SIGKILL) leaves its spool behind, and the next run removes it", async () => {
    const slow = await startSimulator({ token: TOKEN, latencyMs: 2_000 });
    try {
      const out = newOutDir("killed");
      const { child, finished } = startCli(["--date", DAY, "--out", out], {
        AUTOCALLS_API_TOKEN: TOKEN,
        AUTOCALLS_BASE_URL: slow.baseUrl,
      });
      const spoolOf = async () => {
        const [staging] = await stagingFolders(out);
        const spool =
          staging && (await listing(join(out, staging))).find((entry) => entry.startsWith("callreport-spool-"));
        return staging && spool ? join(out, staging, spool, "calls.ndjson") : undefined;
      };
      await untilRunShows(finished, async () => existsSync((await spoolOf()) ?? ""));

      child.kill("SIGKILL");
      expect((await finished).exitCode).toBeNull();
      expect(await stagingFolders(out)).toEqual([expect.stringContaining(`-${child.pid}-`)]);

      const next = await runCli(["--date", DAY, "--out", out], apiEnv());

      expect(next.exitCode, next.stderr).toBe(0);
      expect(await listing(out)).toEqual(REPORT_FILES);
    } finally {
      await slow.close();
    }
  });
});

describe("report --config", () => {
  const TWO_REPORTS = [
    { name: "everything", recipients: { to: ["head@example.com"] } },
    { name: "inbound", recipients: { to: ["desk@example.com"] }, filters: { callTypes: ["inbound"] } },
  ];

  async function configFile(label: string, content: unknown): Promise<string> {
    const file = join(scratch, `${label}.json`);
    await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
  }

  it("an unreachable base URL with --config: exit 1, the outage once and the address to check, as without it", async () => {
    const out = newOutDir("config-unreachable");
    const baseUrl = `${await closedPortEndpoint()}/api`;
    const config = await configFile("config-unreachable", TWO_REPORTS);

    const run = await runCli(["--date", DAY, "--out", out, "--config", config], {
      AUTOCALLS_API_TOKEN: TOKEN,
      AUTOCALLS_BASE_URL: baseUrl,
    });

    expectPlainFailure(run, 1, ["unavailable", "AUTOCALLS_BASE_URL", baseUrl]);
    expect(run.stderr.match(/unavailable/g)).toHaveLength(1);
    // No files (the first report's folder held the spool, and stays as an empty folder).
    expect(await listing(join(out, "everything"))).toEqual([]);
    expect(await listing(join(out, "inbound"))).toEqual([]);
  }, 60_000);

  it("--report without --config, or naming a report the file lacks: exit 2, naming the fix", async () => {
    const config = await configFile("config-usage", TWO_REPORTS);
    const alone = await runCli(["--demo", "--out", newOutDir("report-alone"), "--report", "inbound"]);
    expectPlainFailure(alone, 2, ["--report", "--config"]);
    const unknown = await runCli(["--demo", "--out", newOutDir("report-unknown"), "--config", config, "--report", "x"]);
    expectPlainFailure(unknown, 2, ['"x"', '"everything", "inbound"']);
    const bad = await runCli(["--demo", "--out", newOutDir("config-bad"), "--config", await configFile("bad", "{")]);
    expectPlainFailure(bad, 2, ["is not JSON"]);
  }, 60_000);

  it("runs every report of the file from one fetch into --out/<name>/, each with its own filters", async () => {
    const out = newOutDir("config-two");
    const config = await configFile("config-two", TWO_REPORTS);
    const before = simulator.requests.length;

    const run = await runCli(["--date", DAY, "--out", out, "--config", config], apiEnv());

    expect(run.exitCode, run.stderr).toBe(0);
    expect(await listing(join(out, "everything"))).toEqual(REPORT_FILES);
    expect(await listing(join(out, "inbound"))).toEqual(REPORT_FILES);
    expect(run.stdout).toMatch(/^Report everything for 2025-08-04 \(UTC\): \d+ calls/m);
    expect(run.stdout).toMatch(/^Report inbound for 2025-08-04 \(UTC\): \d+ calls/m);
    const everything = await readSummary(join(out, "everything"));
    const inbound = await readSummary(join(out, "inbound"));
    expect((everything.totals as { calls: number }).calls).toBe(await countSimulatedCalls());
    expect((inbound.totals as { calls: number }).calls).toBe((everything.byType as Record<string, number>).inbound);
    // One pass over the day's pages for both.
    const pages = simulator.requests.slice(before).map((request) => request.query.page);
    expect(new Set(pages).size).toBe(pages.length);
  }, 60_000);
});

describe("report --period", () => {
  it("builds the week's days into --out under their daily names and writes the week's four files", async () => {
    const out = newOutDir("period-week");

    const run = await runCli(["--period", "week", "--date", "2025-08-06", "--out", out], apiEnv());

    expect(run.exitCode, run.stderr).toBe(0);
    const files = await listing(out);
    for (const name of [
      "calls-report-week-2025-W32.xlsx",
      "summary-week-2025-W32.json",
      "email-week-2025-W32.eml",
      "email-week-2025-W32.html",
      "calls-report-2025-08-04.xlsx",
      "summary-2025-08-10.json",
    ]) {
      expect(files).toContain(name);
    }
    // Days built for the week carry no email of their own.
    expect(files.filter((file) => /^email-2025-/.test(file))).toEqual([]);
    let expected = 0;
    for await (const _ of simulator.callsFor({ dateFrom: "2025-08-04", dateTo: "2025-08-10" })) expected += 1;
    expect(run.stdout).toMatch(
      new RegExp(`^Report for week 2025-W32 \\(2025-08-04 to 2025-08-10, UTC\\): ${expected} calls`, "m"),
    );
  }, 60_000);

  it("refuses a week that has not ended, --preview with it, and a period that is not one: exit 2", async () => {
    const open = await runCli(
      ["--period", "week", "--date", "2099-01-01", "--out", newOutDir("period-open")],
      apiEnv(),
    );
    expectPlainFailure(open, 2, ["week 2099-W01", "pick a --date in an earlier week"]);
    const preview = await runCli(["--demo", "--period", "month", "--preview", "--out", newOutDir("period-preview")]);
    expectPlainFailure(preview, 2, ["--preview", "leave out --preview"]);
    const year = await runCli(["--demo", "--period", "year", "--out", newOutDir("period-year")]);
    expectPlainFailure(year, 2, ['--period "year"', "--period week"]);
  }, 60_000);
});
