import type { Writable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { z } from "zod";
import { type LinkTarget, reportPrefix, signLink } from "../links/signing.js";
import type { Clock, DownloadLink, EmailClaim, ReportStore, StoredObject } from "../ports.js";
import { type Summary, summaryFileName } from "../report/summary.js";
import { calendarParts } from "../report/window.js";
import { workbookFileName } from "../report/workbook.js";
import { countingStream } from "./counting-stream.js";

export interface S3ReportStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without slashes at the ends, e.g. `reports`. */
  prefix: string;
  /**
   * A named report of the stage's `reports`: its objects live under `<prefix>/<report>/`. Absent for
   * the stage's default report, whose objects stay directly under the prefix, where they always were.
   */
  report?: string;
  /** Links through the stage's link endpoint, signed so that they outlive any role session. */
  links: {
    /** The endpoint's URL (the function URL). */
    baseUrl: string;
    /** The current signing key (Secrets Manager, cached). */
    signingKey: () => Promise<string>;
    /** How long a link stays valid (the stage's `linkExpiryDays`, at most the report retention). */
    expiryDays: number;
  };
  clock: Clock;
}

const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** lib-storage part size: the minimum S3 allows, so memory stays small while streaming. */
const PART_SIZE_BYTES = 5 * 1024 * 1024;

/** A week's or a month's file stem (`week-2025-W32`, `month-2025-08`) rather than a date. */
const PERIOD_STEM = /^(week|month)-\d{4}-(W\d{2}|\d{2})$/;

/**
 * Where one day's objects live: `<prefix>/YYYY/MM/DD/…`; a period's (given its stem for the date)
 * under `<prefix>/periods/<stem>/…` — a folder the archive's listing of day folders never reaches.
 */
export function dayKeys(prefix: string, date: string, preview = false) {
  const { year, month, day } = calendarParts(date);
  const twoDigits = (n: number) => String(n).padStart(2, "0");
  const folder = PERIOD_STEM.test(date)
    ? [prefix, "periods", date].filter(Boolean).join("/")
    : [prefix, String(year), twoDigits(month), twoDigits(day)].filter(Boolean).join("/");
  return {
    workbook: `${folder}/${workbookFileName(date, preview)}`,
    summary: `${folder}/${summaryFileName(date, preview)}`,
    emailMarker: `${folder}/email-${date}.marker.json`,
  };
}

/** The marker object that makes the day's email exactly-once. */
const emailMarkerSchema = z.object({
  state: z.enum(["sending", "sent", "failed"]),
  claimedAt: z.string(),
  sentAt: z.string().optional(),
  /** Message batches delivered so far: index → provider message id. */
  sent: z.record(z.string(), z.string()),
  error: z.string().optional(),
  /** The run (execution) that claimed it: a replay of the same run never forces past its own claim. */
  run: z.string().optional(),
});
type EmailMarker = z.infer<typeof emailMarkerSchema>;

/** The day's marker exists but is not one this code wrote; nobody can tell what was sent. */
export class CorruptEmailMarkerError extends Error {
  override name = "CorruptEmailMarkerError";
}

/**
 * Reports in S3. The workbook streams into a multipart upload, which only becomes an object
 * when it completes — an aborted run leaves no half workbook behind.
 */
export class S3ReportStore implements ReportStore {
  /** As given, but `prefix` is the report's folder. */
  private readonly options: S3ReportStoreOptions;

  constructor(options: S3ReportStoreOptions) {
    this.options = { ...options, prefix: reportPrefix(options.prefix, options.report) };
  }

  async readSummary(date: string): Promise<Summary | null> {
    return (await this.readJson(dayKeys(this.options.prefix, date).summary)) as Summary | null;
  }

  async readPeriodSummary(stem: string): Promise<unknown> {
    return this.readJson(dayKeys(this.options.prefix, stem).summary);
  }

  async writePeriodSummary(stem: string, body: object): Promise<StoredObject> {
    return this.putJson(dayKeys(this.options.prefix, stem).summary, summaryFileName(stem), body);
  }

  /** Signed without a look: a period links days whose summaries it just read, and the endpoint says when one is gone. */
  async dayWorkbookLink(date: string): Promise<DownloadLink | null> {
    return this.signed({ kind: "report", key: dayKeys(this.options.prefix, date).workbook });
  }

  private async readJson(key: string): Promise<unknown> {
    const body = await this.getText(key);
    if (body === null) return null;
    try {
      return JSON.parse(body.text) as unknown;
    } catch {
      return null;
    }
  }

  async writeWorkbook(
    date: string,
    write: (out: Writable) => Promise<void>,
    { preview = false } = {},
  ): Promise<StoredObject> {
    const key = dayKeys(this.options.prefix, date, preview).workbook;
    const fileName = workbookFileName(date, preview);
    const counted = countingStream({ highWaterMark: 1 << 20 });
    const body = counted.stream;
    const upload = new Upload({
      client: this.options.client,
      partSize: PART_SIZE_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: XLSX_CONTENT_TYPE,
        ContentDisposition: `attachment; filename="${fileName}"`,
        ServerSideEncryption: "AES256",
      },
    });
    const uploaded = upload.done();
    try {
      await write(body);
    } catch (error) {
      await upload.abort().catch(() => {});
      await uploaded.catch(() => {});
      body.destroy();
      throw error;
    }
    await uploaded;
    return { location: `s3://${this.options.bucket}/${key}`, fileName, bytes: counted.bytes() };
  }

  async writeSummary(summary: Summary): Promise<StoredObject> {
    const preview = Boolean(summary.partialAsOf);
    const key = dayKeys(this.options.prefix, summary.date, preview).summary;
    return this.putJson(key, summaryFileName(summary.date, preview), summary);
  }

  private async putJson(key: string, fileName: string, value: object): Promise<StoredObject> {
    const body = `${JSON.stringify(value, null, 2)}\n`;
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json; charset=utf-8",
        ServerSideEncryption: "AES256",
      }),
    );
    return { location: `s3://${this.options.bucket}/${key}`, fileName, bytes: body.length };
  }

  /** A signed link to the endpoint, which answers with a short-lived presigned GET of the workbook. */
  async downloadLink(workbook: StoredObject): Promise<DownloadLink> {
    const key = workbook.location.slice(`s3://${this.options.bucket}/`.length);
    return this.signed({ kind: "report", key });
  }

  /** A signed link to the endpoint's page of this stage's past reports. */
  async archiveLink(): Promise<DownloadLink> {
    const { report } = this.options;
    return this.signed({
      kind: "archive",
      prefix: this.options.prefix,
      ...(report === undefined ? {} : { report }),
    });
  }

  private async signed(target: LinkTarget): Promise<DownloadLink> {
    const { baseUrl, signingKey, expiryDays } = this.options.links;
    const expires = Math.floor(this.options.clock.now().getTime() / 1000) + expiryDays * 86_400;
    return { url: signLink(baseUrl, { target, expires }, await signingKey()), expiresAt: new Date(expires * 1000) };
  }

  async claimEmail(date: string, options: { force: boolean; runId?: string }): Promise<EmailClaim> {
    const key = dayKeys(this.options.prefix, date).emailMarker;
    const marker: EmailMarker = {
      state: "sending",
      claimedAt: this.options.clock.now().toISOString(),
      sent: {},
      ...(options.runId === undefined ? {} : { run: options.runId }),
    };

    let existing: Awaited<ReturnType<S3ReportStore["getText"]>> | undefined;
    if (options.force) {
      // A forced run that finds its own claim is its publish step running again after an
      // interrupted invocation: what it sent then must not go out twice.
      existing = options.runId === undefined ? null : await this.getText(key);
      const own = existing && this.parseMarker(key, existing.text, date).run === options.runId;
      if (!own) {
        await this.putMarker(key, marker);
        return this.claimed(key, marker);
      }
    } else if (await this.putMarker(key, marker, { IfNoneMatch: "*" })) {
      return this.claimed(key, marker);
    }

    existing ??= await this.getText(key);
    const previous = existing ? this.parseMarker(key, existing.text, date) : null;
    if (previous?.state === "sent") return { status: "already-sent", sentAt: previous.sentAt ?? null };
    if (previous?.state === "failed" && existing?.etag) {
      // A previous attempt failed after claiming: take the claim over (only if nobody else did
      // meanwhile) and send just the batches it had not delivered.
      const retry: EmailMarker = { ...marker, sent: previous.sent };
      if (await this.putMarker(key, retry, { IfMatch: existing.etag })) return this.claimed(key, retry);
    }
    return { status: "in-doubt", claimedAt: previous?.claimedAt ?? null };
  }

  private parseMarker(key: string, text: string, date: string): EmailMarker {
    let problem: string;
    try {
      const parsed = emailMarkerSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      problem = `"${issue ? z.core.toDotPath(issue.path) : ""}" ${issue?.message}`;
    } catch (error) {
      problem = `not JSON: ${(error as Error).message}`;
    }
    throw new CorruptEmailMarkerError(
      `The email marker s3://${this.options.bucket}/${key} is corrupt (${problem}) — if no ${date} email went out, ` +
        "delete it or re-run with force; if one did, nothing needs re-sending.",
    );
  }

  private claimed(key: string, marker: EmailMarker): EmailClaim {
    return {
      status: "claimed",
      alreadySent: Object.keys(marker.sent).map(Number),
      recordSent: async (batchIndex, messageId) => {
        marker.sent[String(batchIndex)] = messageId;
        await this.putMarker(key, marker);
      },
      complete: async () => {
        marker.state = "sent";
        marker.sentAt = this.options.clock.now().toISOString();
        await this.putMarker(key, marker);
      },
      fail: async (error) => {
        marker.state = "failed";
        marker.error = error.message;
        await this.putMarker(key, marker);
      },
    };
  }

  /** Writes the marker; false when a condition was not met (someone else holds it). */
  private async putMarker(
    key: string,
    marker: EmailMarker,
    condition: { IfNoneMatch?: string; IfMatch?: string } = {},
  ): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: JSON.stringify(marker),
          ContentType: "application/json",
          ServerSideEncryption: "AES256",
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      // 412: the condition failed; 409: a concurrent conditional write to the same key won.
      if (isStatus(error, 412) || isStatus(error, 409)) return false;
      throw new Error(
        `Could not write the email marker s3://${this.options.bucket}/${key}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private async getText(key: string): Promise<{ text: string; etag: string | undefined } | null> {
    try {
      const response = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { text: (await response.Body?.transformToString("utf8")) ?? "", etag: response.ETag };
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw error;
    }
  }
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof S3ServiceException
    ? error.$metadata.httpStatusCode === status
    : (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === status;
}
