/** The machine the figures were taken on, and the line that describes it in the results. */
import { execFile } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { promisify } from "node:util";
import { runChild } from "../child.js";
import { median, seconds } from "../stats.js";
import { runNode } from "./common.js";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  date: string;
  idleWorkerRssMb: number;
  bareNodeRssMb: number;
}

export async function describeMachine(worker: string): Promise<Machine> {
  const idle: number[] = [];
  for (let run = 0; run < 3; run++) idle.push((await runChild(worker, "idle", {}, { timeoutMs: 30_000 })).maxRssMb);
  const bare = JSON.parse(await runNode(["-e", "process.stdout.write(String(process.resourceUsage().maxRSS / 1024))"]));
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const { stdout } = await promisify(execFile)("lscpu", [], { timeout: 5_000 });
    cpu = /Model name:\s*(.+)/.exec(stdout)?.[1]?.trim() ?? cpu;
  } catch {
    // lscpu is optional; os.cpus() named the model already.
  }
  return {
    cores: cpus().length,
    cpu,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    idleWorkerRssMb: median(idle),
    bareNodeRssMb: bare as number,
  };
}

export function machineLine(machine: Machine, elapsedMs: number): string {
  return (
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ` +
    `${process.platform}/${process.arch}. Whole run: ${seconds(elapsedMs)} s. ` +
    `Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`.`
  );
}
