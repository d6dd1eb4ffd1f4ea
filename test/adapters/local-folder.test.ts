import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalReportFolder } from "../../lambda/adapters/local-folder.js";
import type { Summary } from "../../lambda/report/summary.js";

/** The CLI's report folder on a real temporary folder: publishing and cleaning up. */
const DAY = "2025-08-04";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "callreport-folder-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Stages the four report files (workbook, summary, .eml, .html, in that order), each saying `label`. */
async function stageReport(folder: LocalReportFolder, label: string): Promise<void> {
  await folder.writeWorkbook(DAY, async (out) => {
    out.end(`workbook ${label}`);
    await new Promise((resolve) => out.on("close", resolve));
  });
  await folder.writeSummary({ date: DAY, schemaVersion: 1, label } as unknown as Summary);
  await folder.send(
    { raw: Buffer.from(`eml ${label}`), from: "a@example.com", destinations: ["b@example.com"] },
    { date: DAY, email: { html: `html ${label}` }, batchIndex: 0 },
  );
}

/** Every entry of `dir` with its bytes (files) and modification time: what "unchanged" means. */
async function snapshot(): Promise<Array<{ name: string; bytes: string | null; modifiedMs: number }>> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const info = await stat(join(dir, name));
      return {
        name,
        bytes: info.isFile() ? await readFile(join(dir, name), "utf8") : null,
        modifiedMs: info.mtimeMs,
      };
    }),
  );
}

describe("LocalReportFolder.publish", () => {
  it("puts the previous report set back, byte for byte, when the last file cannot be moved in", async () => {
    const first = new LocalReportFolder(dir);
    await stageReport(first, "old");
    await first.publish();
    // A folder squats on the name of the last file to be moved in, so that rename fails for real.
    await rm(join(dir, `email-${DAY}.html`));
    await mkdir(join(dir, `email-${DAY}.html`));
    await writeFile(join(dir, `email-${DAY}.html`, "keep.txt"), "mine");
    const before = await snapshot();
    expect(before.map(({ name }) => name)).toEqual([
      `calls-report-${DAY}.xlsx`,
      `email-${DAY}.eml`,
      `email-${DAY}.html`,
      `summary-${DAY}.json`,
    ]);

    const second = new LocalReportFolder(dir);
    await stageReport(second, "new");
    await expect(second.publish()).rejects.toMatchObject({ code: "EISDIR" });
    await second.discard();

    expect(await snapshot()).toEqual(before);
    expect(await readFile(join(dir, `email-${DAY}.html`, "keep.txt"), "utf8")).toBe("mine");
  });

  it("puts the previous set back and reports the real error when moving an old file aside fails", async () => {
    const first = new LocalReportFolder(dir);
    await stageReport(first, "old");
    await first.publish();
    const before = await snapshot();

    const second = new LocalReportFolder(dir);
    await stageReport(second, "new");
    // The place the old summary would be moved aside to is taken by a non-empty folder, so that
    // rename fails for real after the workbook (staged first) was already swapped.
    const [staging] = (await readdir(dir)).filter((name) => name.startsWith(".callreport-staging-"));
    await mkdir(join(dir, staging as string, "replaced", `summary-${DAY}.json`), { recursive: true });
    await writeFile(join(dir, staging as string, "replaced", `summary-${DAY}.json`, "x"), "x");

    const failure = await second.publish().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect((failure as NodeJS.ErrnoException).path).toBe(join(dir, `summary-${DAY}.json`));
    await second.discard();

    expect(await snapshot()).toEqual(before);
  });

  it("replaces the previous report set when every file moves in", async () => {
    const first = new LocalReportFolder(dir);
    await stageReport(first, "old");
    await first.publish();

    const second = new LocalReportFolder(dir);
    await stageReport(second, "new");
    await second.publish();

    const files = await snapshot();
    expect(files.map(({ name }) => name)).toHaveLength(4);
    for (const { bytes } of files) expect(bytes).toContain("new");
  });
});

describe("LocalReportFolder staging", () => {
  it("removes the staging folders of runs whose process is gone, and keeps those of live ones", async () => {
    // A process that has exited: its pid is free (reuse within the test is not a concern).
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
    const dead = join(dir, `.callreport-staging-${deadPid}-killed`);
    const live = join(dir, `.callreport-staging-${process.pid}-running`);
    for (const staging of [dead, live]) {
      await mkdir(join(staging, "callreport-spool-1"), { recursive: true });
      await writeFile(join(staging, "callreport-spool-1", "calls.ndjson"), '{"phone_number":"+15550100"}\n');
    }

    const folder = new LocalReportFolder(dir);
    const scratch = await folder.scratchDir();

    const entries = await readdir(dir);
    expect(entries).not.toContain(`.callreport-staging-${deadPid}-killed`);
    expect(entries).toContain(`.callreport-staging-${process.pid}-running`);
    expect(scratch).toMatch(new RegExp(`\\.callreport-staging-${process.pid}-`));
    await folder.discard();
  });
});
