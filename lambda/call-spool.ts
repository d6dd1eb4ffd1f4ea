import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CallLineCheck,
  fitsOneLine,
  type PartManifest,
  type PartRef,
  type PartStore,
  type PartWriter,
  type StoredCall,
} from "./ports.js";
import { toCall } from "./report/api-record.js";
import type { Call } from "./report/call.js";

/**
 * The pipeline's own scratch space, not an adapter behind a port: the Lambda and the CLI park
 * the calls the same way, on local disk, so there is nothing to swap.
 *
 * The day's in-window calls parked on local disk (Lambda's /tmp) as NDJSON between the fetch
 * and the workbook, one API record a line (read back through `toCall`). The workbook's columns (one per `variables` key) are known only after the
 * last call, and the XLSX is written only once the fetch is known complete — so the calls
 * take one trip through disk instead of living in memory.
 */
const NEWLINE = 0x0a;
const LINE_END = Buffer.from([NEWLINE]);
/**
 * What is read ahead of the consumer is bytes: a line is decoded only when consumed (see `read`),
 * so the calls still die young. At 100k calls 64 KB reads were 3,337 trips through the thread
 * pool, which deflate shares, and the workbook waited 0.45–0.6 s on them. 256 KB reads took the
 * workbook alone from 3.6 to 3.0 s (with the 256 KB deflate jobs of fast-call-rows.ts) at the
 * same peak RSS; 1 MB reads were no faster and held ~25 MB more garbage Buffers between collections.
 */
const READ_CHUNK_BYTES = 256 * 1024;
/**
 * 1 MB buffered ~500 calls per disk write: they waited long enough to be promoted, and their
 * Buffers (~25 MB at 100k calls) were freed only by a full GC. 256 KB writes as fast.
 */
const WRITE_BUFFER_BYTES = 256 * 1024;
/** Lines gathered before one write: a write (and a Buffer) per call cost more than the disk. */
const BATCH_BYTES = 64 * 1024;

/**
 * Stored calls' NDJSON lines gathered into one Buffer of ~64 KB: the API's bytes copied as they
 * are, a record without them serialised. Shared by the local spool and the S3 part writer.
 */
export class LineBatch {
  private lines: Array<Buffer | string> = [];
  private size = 0;

  /** Adds the call's line; true once the batch is big enough to take. */
  add(call: StoredCall): boolean {
    const line = call.bytes !== undefined && fitsOneLine(call.bytes) ? call.bytes : JSON.stringify(call.record);
    this.lines.push(line);
    this.size += line.length + 1;
    return this.size >= BATCH_BYTES;
  }

  /** The lines gathered so far as one Buffer (null when there are none), and a fresh batch. */
  take(): Buffer | null {
    const lines = this.lines;
    if (lines.length === 0) return null;
    this.lines = [];
    this.size = 0;
    // Serialised lines become one Buffer: a small Buffer per line peaked ~30 MB higher at 100k
    // calls (the workbook bench, alternating runs). The API's bytes are copied as they are.
    if (lines.every((line) => typeof line === "string")) return Buffer.from(`${lines.join("\n")}\n`);
    const parts: Buffer[] = [];
    for (const line of lines) parts.push(typeof line === "string" ? Buffer.from(line) : line, LINE_END);
    return Buffer.concat(parts);
  }
}

export class CallSpool {
  private readonly out: WriteStream;
  private closed = false;
  private error: Error | undefined;
  count = 0;
  bytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
  ) {
    this.out = createWriteStream(path, { highWaterMark: WRITE_BUFFER_BYTES });
    // Record, don't crash: a write error surfaces at the next write or close, and one
    // pending when a failed run disposes the spool must not take the process down.
    this.out.on("error", (error) => {
      this.error ??= error;
    });
    this.gone = new Promise<void>((resolve) => this.out.once("close", () => resolve()));
  }

  /** Settles when the file stream is closed (finished, failed or disposed). */
  private readonly gone: Promise<unknown>;

  static async create(parentDir = tmpdir()): Promise<CallSpool> {
    const dir = await mkdtemp(join(parentDir, "callreport-spool-"));
    return new CallSpool(dir, join(dir, "calls.ndjson"));
  }

  async write(call: StoredCall): Promise<void> {
    if (this.error) throw this.error;
    if (this.out.destroyed) throw new Error("The call spool was disposed.");
    this.count += 1;
    if (this.pending.add(call) && !this.flush()) {
      await Promise.race([new Promise<void>((resolve) => this.out.once("drain", () => resolve())), this.gone]);
    }
  }

  private readonly pending = new LineBatch();

  /** Hands the gathered lines to the file stream; false when it asks to wait for `drain`. */
  private flush(): boolean {
    const lines = this.pending.take();
    if (lines === null) return true;
    this.bytes += lines.length;
    return this.out.write(lines);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.error) throw this.error;
    this.flush();
    this.out.end();
    await once(this.out, "finish");
  }

  /**
   * Reads the calls back in the order they were written, one read chunk ahead of the consumer.
   * Not readline: its async iterator reads ahead up to 1,024 lines (~2 MB of calls), which a
   * consumer paced per row (the workbook) takes long enough to drain that V8 promotes nearly
   * every call to the old generation — 215 MB through old space at 100k calls, and a heap that
   * grows to ~3x its live size between full collections. A line is decoded only when it is
   * consumed, so it dies young.
   */
  async *read(mayMatch?: CallLineCheck): AsyncGenerator<Call> {
    await this.close();
    yield* readNdjsonCalls(readFileChunks(this.path, READ_CHUNK_BYTES), mayMatch);
  }

  async dispose(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.out.destroy();
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A file's bytes in chunks read into two Buffers taken in turn, one read ahead of the consumer: a
 * chunk is valid until the consumer asks for the next one. A read stream's fresh Buffer per read
 * made 220 MB of Buffers at 100k calls, each freed only once the GC found its wrapper dead: in 4
 * alternating runs of the 100k pipeline, peak RSS was 5–10 MB lower each time (median 246 against
 * 251 MB), at the same speed.
 */
export async function* readFileChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const file = await open(path, "r");
  let current = Buffer.allocUnsafe(chunkBytes);
  let next = Buffer.allocUnsafe(chunkBytes);
  let reading: Promise<{ bytesRead: number }> | null = file.read(current, 0, chunkBytes, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      reading = null;
      if (bytesRead === 0) return;
      reading = file.read(next, 0, chunkBytes, null);
      yield current.subarray(0, bytesRead);
      [current, next] = [next, current];
    }
  } finally {
    // A consumer that stops early leaves a read in flight: the file closes once it is done.
    await reading?.catch(() => {});
    await file.close();
  }
}

/**
 * Calls from NDJSON bytes of API records, decoded one line at a time as they are consumed: only
 * the chunk being split is held, as bytes. Lines `mayMatch` refuses are not decoded. A chunk may
 * be reused once the next is asked for (readFileChunks): the start of a line that continues in
 * the next chunk is copied out.
 */
export async function* readNdjsonCalls(
  chunks: AsyncIterable<Buffer | Uint8Array>,
  mayMatch: CallLineCheck = () => true,
): AsyncGenerator<Call> {
  // Bytes of a line that continues in the next chunk (a long transcript spans several).
  let partial: Buffer[] = [];
  for await (const chunk of chunks) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    // Splitting bytes on "\n" is safe in UTF-8: no multi-byte sequence contains 0x0A.
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      const line =
        partial.length === 0 ? bytes.subarray(start, end) : Buffer.concat([...partial, bytes.subarray(start, end)]);
      partial = [];
      start = end + 1;
      if (line.length > 0 && mayMatch(line)) yield toCall(JSON.parse(line.toString("utf8")));
    }
    if (start < bytes.length) partial.push(Buffer.from(bytes.subarray(start)));
  }
  const last = Buffer.concat(partial);
  if (last.length > 0 && mayMatch(last)) yield toCall(JSON.parse(last.toString("utf8")));
}

/**
 * The parts of a run on local disk, one spool per part: the CLI's part store, and the default
 * when a caller gives none. Manifests stay in memory, after a JSON round trip so that they are
 * exactly what an S3 part store would give back.
 */
export class LocalPartStore implements PartStore {
  private readonly parts = new Map<string, { spool: CallSpool; manifest: string }>();
  private readonly open = new Set<CallSpool>();

  constructor(private readonly parentDir?: string) {}

  async openPart(ref: PartRef): Promise<PartWriter> {
    const spool = await CallSpool.create(this.parentDir);
    this.open.add(spool);
    const key = partKey(ref);
    return {
      write: (call) => spool.write(call),
      commit: async (manifest: PartManifest) => {
        await spool.close();
        const replaced = this.parts.get(key);
        this.parts.set(key, { spool, manifest: JSON.stringify(manifest) });
        this.open.delete(spool);
        await replaced?.spool.dispose();
        return { bytes: spool.bytes };
      },
      abort: async () => {
        this.open.delete(spool);
        await spool.dispose();
      },
    };
  }

  async readManifest(ref: PartRef): Promise<PartManifest> {
    return JSON.parse(this.stored(ref).manifest) as PartManifest;
  }

  readCalls(ref: PartRef, mayMatch?: CallLineCheck): AsyncIterable<Call> {
    return this.stored(ref).spool.read(mayMatch);
  }

  /** Removes every part from disk. */
  async dispose(): Promise<void> {
    const spools = [...this.open, ...[...this.parts.values()].map((part) => part.spool)];
    this.open.clear();
    this.parts.clear();
    await Promise.all(spools.map((spool) => spool.dispose()));
  }

  private stored(ref: PartRef) {
    const part = this.parts.get(partKey(ref));
    if (part === undefined) throw new Error(`Part ${ref.part} of run ${ref.runId} (${ref.date}) was not stored.`);
    return part;
  }
}

function partKey(ref: PartRef): string {
  return `${ref.runId}/${ref.date}/${ref.part}`;
}
