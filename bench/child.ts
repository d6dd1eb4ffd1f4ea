/** Runs one worker scenario in a fresh Node process and returns what it measured. */
import { fork } from "node:child_process";
import type { WorkerReport } from "./worker.js";

export class BenchChildError extends Error {
  override name = "BenchChildError";
}

export interface ChildOptions {
  /** Killed (SIGKILL) after this long, so a hung scenario cannot hang the benchmark. */
  timeoutMs: number;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
  env?: Record<string, string>;
  /** Drop the child's stdout: the durable handler logs every part and pause as the Lambda would. */
  quiet?: boolean;
}

/** Every child still running, so the orchestrator can kill them on Ctrl-C or a failure. */
const running = new Set<import("node:child_process").ChildProcess>();

export function killRunningChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}

export function runChild<T extends object>(
  workerPath: string,
  scenario: string,
  args: object,
  options: ChildOptions,
): Promise<T & WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = fork(workerPath, [scenario, JSON.stringify(args)], {
      // exceljs's deprecated Buffer() and the SDK's "node >= 22 soon" notice, once per child, drown the progress lines.
      execArgv: ["--no-warnings", ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ["ignore", options.quiet ? "ignore" : "inherit", "inherit", "ipc"],
    });
    running.add(child);
    let message: { ok: boolean; result?: T & WorkerReport; error?: string } | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("message", (received) => {
      message = received as typeof message;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new BenchChildError(`The ${scenario} worker could not run: ${error.message}`, { cause: error }));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (message?.ok && message.result) resolve(message.result);
      else if (message?.error) reject(new BenchChildError(`The ${scenario} worker failed: ${message.error}`));
      else
        reject(
          new BenchChildError(
            `The ${scenario} worker exited with ${signal ?? `code ${code}`} before reporting` +
              (signal === "SIGKILL" ? ` (killed after ${options.timeoutMs} ms, or out of memory)` : ""),
          ),
        );
    });
  });
}
