import { randomUUID } from "node:crypto";
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import type {
  ComposedEmail,
  DownloadLink,
  EmailClaim,
  Mailer,
  PrepareEmailOptions,
  RawEmail,
  ReportStore,
  StoredObject,
} from "../ports.js";
import type { ReportEmail } from "../report/email-content.js";
import { PREVIEW_SUFFIX, type Summary, summaryFileName } from "../report/summary.js";
import { workbookFileName } from "../report/workbook.js";
import { composeMimeMessages } from "./mime-message.js";

const emailStem = (date: string, preview: boolean) => `email-${date}${preview ? PREVIEW_SUFFIX : ""}`;
export const emailFileName = (date: string, batchIndex = 0, preview = false) =>
  batchIndex === 0 ? `${emailStem(date, preview)}.eml` : `${emailStem(date, preview)}-part${batchIndex + 1}.eml`;
export const emailPreviewFileName = (date: string, preview = false) => `${emailStem(date, preview)}.html`;

/** `.callreport-staging-<pid>-<uuid>`: the pid tells a later run whether the folder's run is still alive. */
const STAGING_PREFIX = ".callreport-staging-";
const STAGING_NAME = /^\.callreport-staging-(\d+)-/;

/**
 * The CLI's store and mailer: a report folder on disk. Everything is written into a hidden
 * staging folder inside it and moved into place by `publish()` only once the whole run has
 * succeeded, so a failed run leaves nothing that looks like a finished report.
 */
export class LocalReportFolder implements ReportStore, Mailer {
  readonly dir: string;
  private readonly stagingDir: string;
  private readonly staged = new Set<string>();
  private stagingReady: Promise<void> | undefined;
  /** What `publish()` has moved so far, so that a failure can put the previous report back. */
  private moves: Array<{ target: string; replaced: string | null; placed: boolean }> = [];

  /**
   * @param earlierSummary asked for a day with no stored summary (the demo computes the
   *   simulated previous days with it, so its email shows real deltas).
   */
  constructor(
    dir: string,
    private readonly earlierSummary?: (date: string) => Promise<Summary | null>,
  ) {
    this.dir = resolve(dir);
    this.stagingDir = join(this.dir, `${STAGING_PREFIX}${process.pid}-${randomUUID()}`);
  }

  async readSummary(date: string, { storedOnly = false } = {}): Promise<Summary | null> {
    const parsed = await this.readJson(summaryFileName(date));
    const stored = isSummary(parsed) ? parsed : null;
    return stored ?? (storedOnly ? null : ((await this.earlierSummary?.(date)) ?? null));
  }

  async readPeriodSummary(stem: string): Promise<unknown> {
    return this.readJson(summaryFileName(stem));
  }

  async writePeriodSummary(stem: string, body: object): Promise<StoredObject> {
    const fileName = summaryFileName(stem);
    const text = `${JSON.stringify(body, null, 2)}\n`;
    await writeFile(await this.stage(fileName), text);
    return { location: join(this.dir, fileName), fileName, bytes: Buffer.byteLength(text) };
  }

  /** The day's workbook where it is (or will be, once this run publishes), if it is there. */
  async dayWorkbookLink(date: string): Promise<DownloadLink | null> {
    const fileName = workbookFileName(date);
    const there = this.staged.has(fileName) || (await stat(join(this.dir, fileName)).catch(() => null)) !== null;
    return there ? { url: pathToFileURL(join(this.dir, fileName)).href, expiresAt: null } : null;
  }

  /**
   * A JSON file of the report folder: what this run staged (a day a period built on the way), else
   * what an earlier run left; null when missing or unreadable (the report then does without).
   */
  private async readJson(fileName: string): Promise<unknown> {
    const path = this.staged.has(fileName) ? join(this.stagingDir, fileName) : join(this.dir, fileName);
    try {
      return JSON.parse(await readFile(path, "utf8")) as unknown;
    } catch {
      return null;
    }
  }

  async writeWorkbook(
    date: string,
    write: (out: Writable) => Promise<void>,
    { preview = false } = {},
  ): Promise<StoredObject> {
    const fileName = workbookFileName(date, preview);
    const path = await this.stage(fileName);
    await write(createWriteStream(path));
    return { location: join(this.dir, fileName), fileName, bytes: (await stat(path)).size };
  }

  async writeSummary(summary: Summary): Promise<StoredObject> {
    const fileName = summaryFileName(summary.date, Boolean(summary.partialAsOf));
    const body = `${JSON.stringify(summary, null, 2)}\n`;
    await writeFile(await this.stage(fileName), body);
    return { location: join(this.dir, fileName), fileName, bytes: Buffer.byteLength(body) };
  }

  async downloadLink(workbook: StoredObject): Promise<DownloadLink | null> {
    return { url: pathToFileURL(workbook.location).href, expiresAt: null };
  }

  /** The folder is the archive of a local run; the email names no page. */
  async archiveLink(): Promise<DownloadLink | null> {
    return null;
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

  /** The same messages SES would get, so the `.eml` files show what the Lambda sends. */
  prepare(email: ReportEmail, options: PrepareEmailOptions): Promise<ComposedEmail> {
    return composeMimeMessages(email, options);
  }

  async send(
    message: RawEmail,
    context: { date: string; email: { html: string }; batchIndex: number; preview?: boolean },
  ): Promise<string> {
    const fileName = emailFileName(context.date, context.batchIndex, context.preview);
    await writeFile(await this.stage(fileName), message.raw);
    if (context.batchIndex === 0)
      await writeFile(await this.stage(emailPreviewFileName(context.date, context.preview)), context.email.html);
    return `file:${fileName}`;
  }

  /**
   * Moves every staged file into the report folder; returns their final paths. All or
   * nothing: the files of an earlier report are moved aside first, and if any move fails they
   * are put back and the new ones removed, so the folder holds the previous set unchanged.
   */
  async publish(): Promise<string[]> {
    const replacedDir = join(this.stagingDir, "replaced");
    await mkdir(replacedDir, { recursive: true });
    try {
      for (const fileName of this.staged) {
        const move = { target: join(this.dir, fileName), replaced: null as string | null, placed: false };
        this.moves.push(move);
        // A folder in the way is not ours to move: the rename onto it fails and the run with it.
        if ((await lstat(move.target).catch(() => null))?.isDirectory() === false) {
          const aside = join(replacedDir, fileName);
          await rename(move.target, aside);
          // Only once it is really aside: a failed move must not be "put back" from nowhere.
          move.replaced = aside;
        }
        await rename(join(this.stagingDir, fileName), move.target);
        move.placed = true;
      }
    } catch (error) {
      this.rollBack();
      throw error;
    }
    const published = this.moves.map(({ target }) => target);
    this.moves = [];
    await this.discard();
    return published;
  }

  /** Drops everything staged by this run (and undoes a publish that was under way). */
  async discard(): Promise<void> {
    this.rollBack();
    this.staged.clear();
    await rm(this.stagingDir, { recursive: true, force: true });
  }

  /** The same, synchronously: for a signal handler, after which the process exits at once. */
  discardSync(): void {
    this.rollBack();
    this.staged.clear();
    rmSync(this.stagingDir, { recursive: true, force: true });
  }

  /**
   * Removes the files a publish moved in and returns the ones they replaced, last first. Best
   * effort and never throws: the error that made the publish fail is the one to report, and
   * one file that cannot be put back must not keep the others from being restored.
   */
  private rollBack(): void {
    for (const { target, replaced, placed } of this.moves.reverse()) {
      try {
        if (placed) rmSync(target, { force: true });
        if (replaced) renameSync(replaced, target);
      } catch {
        // Only when the folder itself stopped taking writes mid-publish; the caller's error
        // names the folder, and the remaining files are still restored.
      }
    }
    this.moves = [];
  }

  /**
   * A scratch folder inside the staging folder (for the pipeline's call spool), so that a
   * run that is interrupted or fails leaves nothing behind, not even in the OS temp folder.
   */
  async scratchDir(): Promise<string> {
    await this.createStaging();
    return this.stagingDir;
  }

  private async stage(fileName: string): Promise<string> {
    await this.createStaging();
    this.staged.add(fileName);
    return join(this.stagingDir, fileName);
  }

  /**
   * Creates the staging folder, first removing those of runs that were killed (SIGKILL, a
   * crash, a power cut) and so never cleaned up: they hold phone numbers and transcripts.
   */
  private createStaging(): Promise<void> {
    this.stagingReady ??= (async () => {
      await removeStagingOfDeadRuns(this.dir);
      await mkdir(this.stagingDir, { recursive: true });
    })();
    return this.stagingReady;
  }
}

async function removeStagingOfDeadRuns(dir: string): Promise<void> {
  // A folder that cannot be listed has nothing to clean; creating the staging folder will say why.
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(
    entries.map(async (entry) => {
      const pid = Number(STAGING_NAME.exec(entry)?.[1] ?? 0);
      if (pid > 0 && !isRunning(pid)) await rm(join(dir, entry), { recursive: true, force: true });
    }),
  );
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists as another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isSummary(value: unknown): value is Summary {
  return typeof value === "object" && value !== null && "schemaVersion" in value && "totals" in value;
}
