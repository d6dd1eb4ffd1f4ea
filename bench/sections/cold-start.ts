/** Section 5: the Lambda bundle's size and how long a cold `import()` of it takes. */
import type { LambdaBundle } from "../bundle.js";
import { bytesMb, count, mb, median, pass, table } from "../stats.js";
import { log, runNode, type Targets } from "./common.js";
import type { Machine } from "./machine.js";

export interface ColdStart {
  bundle: LambdaBundle;
  importMs: number[];
  processMs: number[];
  importRssMb: number[];
  error: string | null;
}

export async function measureColdStart(bundle: LambdaBundle): Promise<ColdStart> {
  const importMs: number[] = [];
  const processMs: number[] = [];
  const importRssMb: number[] = [];
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${bundle.path}`)}); const ms = performance.now() - t; process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS / 1024 }));`;
  try {
    for (let run = 0; run < 7; run++) {
      const started = performance.now();
      const output = await runNode(["--input-type=module", "-e", script]);
      processMs.push(performance.now() - started);
      const parsed = JSON.parse(output) as { ms: number; rss: number };
      importMs.push(parsed.ms);
      importRssMb.push(parsed.rss);
    }
    log(`Lambda bundle: ${count(bundle.bytes)} bytes, import ${median(importMs).toFixed(0)} ms`);
    return { bundle, importMs, processMs, importRssMb, error: null };
  } catch (error) {
    return { bundle, importMs, processMs, importRssMb, error: error instanceof Error ? error.message : String(error) };
  }
}

export function renderColdStart(coldStart: ColdStart, machine: Machine, out: string[], targets: Targets): void {
  out.push("", "## 5. Lambda bundle: size and cold import", "");
  out.push(
    `lambda/handler.ts bundled like ReportFunction's NodejsFunction: esbuild --bundle, ESM, platform node, target ${coldStart.bundle.target}, ` +
      "minify, external source map without sources, main fields module,main, the createRequire banner, AWS SDK bundled. " +
      `Import time: \`await import()\` of the bundle in a fresh \`node\` (${machine.node} here; Lambda runs ${coldStart.bundle.target}), ${coldStart.importMs.length} runs.`,
    "",
  );
  out.push(
    table(
      ["measure", "value"],
      [
        ["index.mjs", `${count(coldStart.bundle.bytes)} bytes (${bytesMb(coldStart.bundle.bytes)} MB)`],
        ["index.mjs.map (deployed too, not loaded)", `${count(coldStart.bundle.sourceMapBytes)} bytes`],
        ...(coldStart.error
          ? [["import", `failed: ${coldStart.error.split("\n")[0]}`]]
          : [
              [
                "import time (median, min–max)",
                `${median(coldStart.importMs).toFixed(0)} ms (${Math.min(...coldStart.importMs).toFixed(0)}–${Math.max(...coldStart.importMs).toFixed(0)})`,
              ],
              ["whole process: spawn → import → exit (median)", `${median(coldStart.processMs).toFixed(0)} ms`],
              ["RSS after import (median)", `${mb(median(coldStart.importRssMb))} MB`],
            ]),
      ],
    ),
  );
  targets.push([
    "Lambda bundle ≤ 3 MB minified",
    `${bytesMb(coldStart.bundle.bytes)} MB`,
    pass(coldStart.bundle.bytes <= 3 * 1024 * 1024),
  ]);
}
