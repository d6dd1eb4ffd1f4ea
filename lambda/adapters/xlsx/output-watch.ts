/**
 * Watches the workbook's output for the failures exceljs does not surface (an error or a close
 * before the end), and paces the writer: exceljs writes without back-pressure, so unless we
 * pause, compressed output piles up in memory.
 */
import type { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";

/** The output stream failed or closed before the workbook was complete. */
export class WorkbookOutputError extends Error {
  override name = "WorkbookOutputError";
}

export class OutputWatch {
  readonly failed: Promise<never>;
  private failure: Error | null = null;
  private rejectFailed: (error: Error) => void = () => {};

  constructor(private readonly out: Writable) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Only raced against, never awaited alone: no unhandled rejection when nothing fails.
    this.failed.catch(() => {});
    out.on("error", this.onError);
    out.on("close", this.onClose);
  }

  readonly onError = (error: Error): void => {
    this.fail(new WorkbookOutputError(`Writing the workbook failed: ${error.message}`, { cause: error }));
  };

  private readonly onClose = (): void => {
    if (!this.out.writableFinished) {
      this.fail(new WorkbookOutputError("The workbook's output closed before the workbook was complete."));
    }
  };

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.rejectFailed(error);
  }

  /**
   * Waits for `zipBacklog` (the zip catching up with the rows), then for `drain` when the output
   * asks for it (a slow S3 upload); otherwise one turn of the event loop lets zlib and the pipe
   * move the last rows along.
   */
  async pace(zipBacklog: Promise<void> | null = null): Promise<void> {
    if (this.failure) throw this.failure;
    if (zipBacklog !== null) await Promise.race([zipBacklog, this.failed]);
    if (!this.out.writableNeedDrain) {
      await nextTurn();
      return;
    }
    let onDrain = () => {};
    const drained = new Promise<void>((resolve) => {
      onDrain = resolve;
      this.out.once("drain", onDrain);
    });
    try {
      await Promise.race([drained, this.failed]);
    } finally {
      this.out.off("drain", onDrain);
    }
  }

  stop(): void {
    this.out.off("error", this.onError);
    this.out.off("close", this.onClose);
  }
}
