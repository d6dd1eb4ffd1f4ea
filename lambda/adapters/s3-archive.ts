import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { z } from "zod";
import type { ArchiveDay } from "../report/link-pages.js";
import { dayKeys } from "./s3-store.js";

export interface S3ReportArchiveOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without slashes at the ends, e.g. `reports`; empty for the bucket's root. */
  prefix: string;
}

/** What the archive reads of a stored summary; the rest of the file is not its business. */
const archiveSummarySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  totals: z.object({
    calls: z.number().int().nonnegative(),
    connectRate: z.number().nullable(),
    totalCost: z.number(),
  }),
});

/** Summaries read at once when the archive page is built. */
const SUMMARY_READS_IN_FLIGHT = 8;

/**
 * The stored reports as the link endpoint sees them: whether an object is still there, a
 * short-lived presigned GET for it, and the finished days' summaries for the archive page.
 * Read-only; it never lists or serves the run's working files under `<prefix>/_work/`.
 */
export class S3ReportArchive {
  constructor(private readonly options: S3ReportArchiveOptions) {}

  /** The same bucket and client, reading another folder (a named report's `<prefix>/<name>`). */
  under(prefix: string): S3ReportArchive {
    return new S3ReportArchive({ ...this.options, prefix });
  }

  /**
   * Whether the object exists (HEAD). S3 answers a HEAD of a missing key with 404 only to a
   * caller that may list the bucket; a role whose s3:ListBucket is limited by an `s3:prefix`
   * condition gets 403 (a HEAD has no prefix to match), so a 403 is settled by listing the key.
   */
  async exists(key: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      if (statusOf(error) === 403 && !(await this.listed(key))) return false;
      throw error;
    }
  }

  private async listed(key: string): Promise<boolean> {
    const page = await this.options.client.send(
      new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: key, MaxKeys: 1 }),
    );
    return page.Contents?.[0]?.Key === key;
  }

  /** A presigned GET that downloads the object as `fileName` and is not kept in caches. */
  async downloadUrl(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.options.client,
      new GetObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/[^\w.-]/g, "_")}"`,
        ResponseCacheControl: "private, no-store",
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  /**
   * The newest `limit` finished report days, newest first, from their summaries. Previews,
   * working files and summaries that do not parse are left out.
   */
  async archiveDays(limit: number): Promise<ArchiveDay[]> {
    const dates = await this.newestSummaryDates(limit);
    const days: Array<ArchiveDay | null> = new Array(dates.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < dates.length) {
        const index = next++;
        days[index] = await this.readDay(dates[index] as string);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SUMMARY_READS_IN_FLIGHT, dates.length) }, worker));
    return days.filter((day): day is ArchiveDay => day !== null);
  }

  /**
   * One ascending listing of the day folders: a few objects a day (workbook, summary, email
   * marker), so a year of reports is two or three pages of 1,000. It stops where `_work/`
   * begins, which sorts after every year folder.
   */
  private async newestSummaryDates(limit: number): Promise<string[]> {
    const root = this.options.prefix === "" ? "" : `${this.options.prefix}/`;
    const summary = /^(\d{4})\/(\d{2})\/(\d{2})\/summary-(\d{4}-\d{2}-\d{2})\.json$/;
    const dates: string[] = [];
    for await (const key of this.keys(root)) {
      const relative = key.slice(root.length);
      if (relative.charAt(0) > "9") break;
      const match = summary.exec(relative);
      // The folder's day and the file's must agree: a summary is only trusted where dayKeys puts it.
      if (match && match[4] === `${match[1]}-${match[2]}-${match[3]}`) dates.push(match[4]);
    }
    return dates.sort().reverse().slice(0, limit);
  }

  private async readDay(date: string): Promise<ArchiveDay | null> {
    const key = dayKeys(this.options.prefix, date).summary;
    let text: string;
    try {
      const answer = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      text = (await answer.Body?.transformToString("utf8")) ?? "";
    } catch (error) {
      // Deleted by retention between the listing and the read.
      if (statusOf(error) === 404) return null;
      throw error;
    }
    let parsed: z.infer<typeof archiveSummarySchema>;
    try {
      const result = archiveSummarySchema.safeParse(JSON.parse(text));
      if (!result.success || result.data.date !== date) return null;
      parsed = result.data;
    } catch {
      return null;
    }
    return {
      date,
      calls: parsed.totals.calls,
      connectRate: parsed.totals.connectRate,
      totalCost: parsed.totals.totalCost,
    };
  }

  private async *keys(folder: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: folder, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
