import { randomUUID } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { DownloadLink, EmailClaim, Mailer, RawEmail, ReportStore, StoredObject } from "../ports.js";
import { type Summary, summaryFileName } from "../report/summary.js";
import { workbookFileName } from "../report/workbook.js";

export const emailFileName = (date: string, batchIndex = 0) =>
  batchIndex === 0 ? `email-${date}.eml` : `email-${date}-part${batchIndex + 1}.eml`;
export const emailPreviewFileName = (date: string) => `email-${date}.html`;

/**
 * The CLI's store and mailer: a report folder on disk. Everything is written into a hidden
 * staging folder inside it and moved into place by `publish()` only once the whole run has
 * succeeded, so a failed run leaves nothing that looks like a finished report.
 */
export class LocalReportFolder implements ReportStore, Mailer {
  readonly dir: string;
  private readonly stagingDir: string;
  private readonly staged = new Set<string>();

  /**
   * @param earlierSummary asked for a day with no stored summary (the demo computes the
   *   simulated previous days with it, so its email shows real deltas).
   */
  constructor(
    dir: string,
    private readonly earlierSummary?: (date: string) => Promise<Summary | null>,
  ) {
    this.dir = resolve(dir);
    this.stagingDir = join(this.dir, `.callreport-staging-${randomUUID()}`);
  }

  async readSummary(date: string): Promise<Summary | null> {
    let stored: Summary | null = null;
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.dir, summaryFileName(date)), "utf8"));
      if (isSummary(parsed)) stored = parsed;
    } catch {
      // Missing or unreadable: the report simply has no deltas for that day.
    }
    return stored ?? (await this.earlierSummary?.(date)) ?? null;
  }

  async writeWorkbook(date: string, write: (out: Writable) => Promise<void>): Promise<StoredObject> {
    const fileName = workbookFileName(date);
    const path = await this.stage(fileName);
    await write(createWriteStream(path));
    return { location: join(this.dir, fileName), fileName, bytes: (await stat(path)).size };
  }

  async writeSummary(summary: Summary): Promise<StoredObject> {
    const fileName = summaryFileName(summary.date);
    const body = `${JSON.stringify(summary, null, 2)}\n`;
    await writeFile(await this.stage(fileName), body);
    return { location: join(this.dir, fileName), fileName, bytes: Buffer.byteLength(body) };
  }

  async downloadLink(workbook: StoredObject): Promise<DownloadLink | null> {
    return { url: pathToFileURL(workbook.location).href, expiresAt: null };
  }

  /** A local run writes the message to a file; there is nobody to send it twice to. */
  async claimEmail(): Promise<EmailClaim> {
    return {
      status: "claimed",
      alreadySent: [],
      async recordSent() {},
      async complete() {},
      async fail() {},
    };
  }

  async send(
    message: RawEmail,
    context: { date: string; email: { html: string }; batchIndex: number },
  ): Promise<string> {
    const fileName = emailFileName(context.date, context.batchIndex);
    await writeFile(await this.stage(fileName), message.raw);
    if (context.batchIndex === 0)
      await writeFile(await this.stage(emailPreviewFileName(context.date)), context.email.html);
    return `file:${fileName}`;
  }

  /** Moves every staged file into the report folder; returns their final paths. */
  async publish(): Promise<string[]> {
    const published: string[] = [];
    for (const fileName of this.staged) {
      const target = join(this.dir, fileName);
      await rename(join(this.stagingDir, fileName), target);
      published.push(target);
    }
    await this.discard();
    return published;
  }

  /** Drops everything staged by this run. */
  async discard(): Promise<void> {
    this.staged.clear();
    await rm(this.stagingDir, { recursive: true, force: true });
  }

  /** The same, synchronously: for a signal handler, after which the process exits at once. */
  discardSync(): void {
    this.staged.clear();
    rmSync(this.stagingDir, { recursive: true, force: true });
  }

  /**
   * A scratch folder inside the staging folder (for the pipeline's call spool), so that a
   * run that is interrupted or fails leaves nothing behind, not even in the OS temp folder.
   */
  async scratchDir(): Promise<string> {
    await mkdir(this.stagingDir, { recursive: true });
    return this.stagingDir;
  }

  private async stage(fileName: string): Promise<string> {
    await mkdir(this.stagingDir, { recursive: true });
    this.staged.add(fileName);
    return join(this.stagingDir, fileName);
  }
}

function isSummary(value: unknown): value is Summary {
  return typeof value === "object" && value !== null && "schemaVersion" in value && "totals" in value;
}
