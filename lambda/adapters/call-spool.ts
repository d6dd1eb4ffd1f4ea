import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Call } from "../autocalls/call.js";

/**
 * The day's in-window calls parked on local disk (Lambda's /tmp) as NDJSON between the fetch
 * and the workbook. The workbook's columns (one per `variables` key) are known only after the
 * last call, and the XLSX is written only once the fetch is known complete — so the calls
 * take one trip through disk instead of living in memory.
 */
export class CallSpool {
  private readonly out: WriteStream;
  private closed = false;
  private error: Error | undefined;
  count = 0;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
  ) {
    this.out = createWriteStream(path, { highWaterMark: 1 << 20 });
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

  async write(call: Call): Promise<void> {
    if (this.error) throw this.error;
    if (this.out.destroyed) throw new Error("The call spool was disposed.");
    this.count += 1;
    if (!this.out.write(`${JSON.stringify(call)}\n`)) {
      await Promise.race([new Promise<void>((resolve) => this.out.once("drain", () => resolve())), this.gone]);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.error) throw this.error;
    this.out.end();
    await once(this.out, "finish");
  }

  /** Reads the calls back in the order they were written. */
  async *read(): AsyncGenerator<Call> {
    await this.close();
    const lines = createInterface({
      input: createReadStream(this.path, { highWaterMark: 1 << 20 }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (line) yield JSON.parse(line) as Call;
    }
  }

  async dispose(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.out.destroy();
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
