import { once } from "node:events";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { createGunzip, createGzip, gunzip, gzip } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { LineBatch, readNdjsonCalls } from "../call-spool.js";
import {
  type CallLineCheck,
  PART_LINES,
  type PartManifest,
  type PartRef,
  type PartStore,
  type PartWriter,
  type StoredCall,
} from "../ports.js";
import type { Call } from "../report/call.js";
// The working folder a lifecycle rule empties, outside the managers' `YYYY/MM/DD` folders.
import { WORK_FOLDER } from "../settings.js";
import { countingStream } from "./counting-stream.js";

export interface S3PartStoreOptions {
  client: S3Client;
  bucket: string;
  /** The stage's key prefix (no slashes at the ends); parts go under `<prefix>/_work/`. */
  prefix: string;
}

/** lib-storage's smallest part: a part's calls stream through a few MB of memory at most. */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
/** Fast gzip: parts are read once, by the same run, minutes later; CPU time is what is billed. */
const GZIP_LEVEL = 1;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** `<prefix>/_work/<date>/<run>/part-0001.ndjson.gz` and its manifest next to it. */
export function partKeys(prefix: string, ref: PartRef) {
  const folder = [prefix, WORK_FOLDER, ref.date, ref.runId].filter(Boolean).join("/");
  const name = `part-${String(ref.part).padStart(4, "0")}`;
  return { calls: `${folder}/${name}.ndjson.gz`, manifest: `${folder}/${name}.manifest.json.gz` };
}

/**
 * A run's parts in S3, as gzip NDJSON streamed into a multipart upload (nothing of a failed
 * part becomes an object), with a gzip JSON manifest written last: a part without its manifest
 * was never finished. Objects are SSE-S3 encrypted like the reports.
 */
export class S3PartStore implements PartStore {
  constructor(private readonly options: S3PartStoreOptions) {}

  async openPart(ref: PartRef): Promise<PartWriter> {
    const keys = partKeys(this.options.prefix, ref);
    const gzipStream = createGzip({ level: GZIP_LEVEL });
    const counted = countingStream();
    const body = gzipStream.pipe(counted.stream);
    const upload = new Upload({
      client: this.options.client,
      partSize: UPLOAD_PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
      params: {
        Bucket: this.options.bucket,
        Key: keys.calls,
        Body: body,
        ContentType: "application/x-ndjson",
        ContentEncoding: "gzip",
        ServerSideEncryption: "AES256",
      },
    });
    const uploaded = upload.done();
    // Surfaces at commit; until then a failed upload must not be an unhandled rejection.
    uploaded.catch(() => {});
    let failed = false;
    // Lines gathered for one write into gzip: a write per call cost more than the compression.
    const pending = new LineBatch();
    return {
      write: async (call: StoredCall) => {
        if (!pending.add(call)) return;
        if (!gzipStream.write(pending.take())) await once(gzipStream, "drain");
      },
      commit: async (manifest: PartManifest) => {
        gzipStream.end(pending.take() ?? undefined);
        await uploaded;
        await this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: keys.manifest,
            Body: await gzipAsync(JSON.stringify(manifest)),
            ContentType: "application/json",
            ContentEncoding: "gzip",
            ServerSideEncryption: "AES256",
          }),
        );
        return { bytes: counted.bytes() };
      },
      abort: async () => {
        if (failed) return;
        failed = true;
        await upload.abort().catch(() => {});
        await uploaded.catch(() => {});
        gzipStream.destroy();
      },
    };
  }

  async readManifest(ref: PartRef): Promise<PartManifest> {
    const key = partKeys(this.options.prefix, ref).manifest;
    const bytes = await (await this.get(key)).transformToByteArray();
    const manifest = JSON.parse((await gunzipAsync(bytes)).toString("utf8")) as PartManifest;
    const aggregates = manifest?.aggregates;
    if (
      manifest?.lines !== PART_LINES ||
      !Array.isArray(manifest?.ids) ||
      typeof aggregates !== "object" ||
      aggregates === null ||
      !Object.values(aggregates).every((aggregate) => aggregate?.version === 1)
    ) {
      throw new Error(
        `The part manifest s3://${this.options.bucket}/${key} is not one this version wrote — start the report again (a new run writes new parts).`,
      );
    }
    return manifest;
  }

  async *readCalls(ref: PartRef, mayMatch?: CallLineCheck): AsyncIterable<Call> {
    const body = await this.get(partKeys(this.options.prefix, ref).calls);
    // Decompress here: S3 hands the gzip bytes back as stored, whatever Content-Encoding says.
    // 256 KB chunks, as the local spool reads them (call-spool.ts): a quarter of the trips through
    // the thread pool that deflate shares, and only bytes ahead of the workbook (lines are decoded as consumed).
    yield* readNdjsonCalls(body.pipe(createGunzip({ chunkSize: 256 * 1024 })), mayMatch);
  }

  private async get(key: string) {
    const response = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    if (!response.Body) throw new Error(`s3://${this.options.bucket}/${key} came back without a body.`);
    return response.Body as Readable & { transformToByteArray(): Promise<Uint8Array> };
  }
}
