/** What every bench section shares: the fixed day and token, the flags, logging and profiling. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { type ProfileSummary, summariseProfile } from "../profile-summary.js";
import type { WorkerReport } from "../worker.js";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const TOKEN = "bench-token";
/** A fixed Monday; the simulator serves it like any other day. */
export const DAY = "2025-08-04";
export const PER_PAGE = 100;

export interface Flags {
  quick: boolean;
  full: boolean;
  excelLimitOnly: boolean;
  naive: boolean;
  cpuProf: boolean;
  sizes: number[] | null;
  /** `--only durable`: section 6 and the 100k pipeline it must not slow down, nothing else. `--only reports`: #17's ten reports vs one. */
  only: "durable" | "reports" | null;
  durableSizes: number[] | null;
  out: string | null;
}

export type Measured<T> = T & WorkerReport;

/** Where a section writes its rows of the Targets table: target, measured, result. */
export type Targets = string[][];

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Runs one child under `--cpu-prof` and summarises its profile while the bundle still exists. */
export async function profiled(
  worker: string,
  profileDir: string,
  label: string,
  run: (execArgv: string[]) => Promise<unknown>,
): Promise<ProfileSummary> {
  // bench/results/*.cpuprofile is git-ignored: the profiles stay local, their summaries go in the results.
  const path = join(profileDir, `profile-${label}.cpuprofile`);
  await run(["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=profile-${label}.cpuprofile`]);
  const summary = await summariseProfile(path, worker);
  log(`profile ${label}: ${path} (open it in Chrome DevTools → Performance)`);
  return summary;
}

export function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`node exited ${code}: ${stderr}`))));
  });
}
