/**
 * The durable run in a fresh process: `node durable-worker.mjs durable '<json args>'`, forked by
 * bench/sections/durable.ts like bench/worker.ts's scenarios. A process of its own because the durable runner fakes the clock
 * and timers of the whole process, and so that the memory figures are this run's alone.
 * Bundled apart from bench/worker.ts (bench/bundle.ts says why) and reports over IPC like it.
 */
import { type DurableArgs, measureDurable } from "./scenarios/durable.js";

async function main(): Promise<void> {
  const [name = "", json = "{}"] = process.argv.slice(2);
  if (name !== "durable") throw new Error(`Unknown scenario "${name}": this worker runs "durable" only.`);
  const result = await measureDurable(JSON.parse(json) as DurableArgs);
  const usage = process.resourceUsage();
  // maxRSS is in KiB on Linux.
  await send({
    ok: true,
    result: { ...result, maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 },
  });
}

function send(message: object): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
