/**
 * esbuild bundles for the benchmark: the worker (what the measured children run, so tsx's own
 * memory is not counted) and the Lambda handler exactly as lib/constructs/report-function.ts
 * has the CDK bundle it.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = new URL("..", import.meta.url).pathname;

/** The banner and target the CDK construct uses, read from its source so the two cannot drift apart. */
async function lambdaBundling(): Promise<{ target: string; banner: string }> {
  const source = await readFile(join(ROOT, "lib/constructs/report-function.ts"), "utf8");
  const target = /REPORT_BUNDLE_TARGET\s*=\s*"([^"]+)"/.exec(source)?.[1];
  const banner = /ESM_REQUIRE_BANNER\s*=\s*'([^']+)'/.exec(source)?.[1];
  if (!target || !banner) {
    throw new Error(
      "Could not read REPORT_BUNDLE_TARGET and ESM_REQUIRE_BANNER from lib/constructs/report-function.ts — update bench/bundle.ts to match the construct.",
    );
  }
  return { target, banner };
}

/** Unminified, so a `--cpu-prof` profile keeps function names and esbuild's `// path` module markers. */
export async function buildWorker(outDir: string): Promise<string> {
  const { banner } = await lambdaBundling();
  const outfile = join(outDir, "worker.mjs");
  await build({
    entryPoints: [join(ROOT, "bench/worker.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    mainFields: ["module", "main"],
    banner: { js: banner },
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/**
 * The durable run's worker. Bundled into node_modules/.cache/ rather than the run's temporary
 * folder, because four packages stay outside the bundle and must resolve from node_modules:
 * the durable SDK's testing package starts its checkpoint server as a worker thread from a file
 * next to its own module; the handler and that runner must share one copy of the SDK (the SDK
 * recognises its invocation input with `instanceof`); s3rver and aws-ses-v2-local are test
 * servers loaded the way the tests load them.
 */
export async function buildDurableWorker(): Promise<string> {
  // The construct's banner under another import name: the SES emulator imports createRequire itself.
  const banner =
    'import { createRequire as createBundleRequire } from "node:module"; const require = createBundleRequire(import.meta.url);';
  const outfile = join(ROOT, "node_modules/.cache/callreport-bench/durable-worker.mjs");
  await build({
    entryPoints: [join(ROOT, "bench/durable-worker.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    mainFields: ["module", "main"],
    banner: { js: banner },
    external: ["@aws/durable-execution-sdk-js", "@aws/durable-execution-sdk-js-testing", "s3rver", "aws-ses-v2-local"],
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

export interface LambdaBundle {
  path: string;
  bytes: number;
  sourceMapBytes: number;
  target: string;
}

/** Mirrors NodejsFunction's `esbuild --bundle` arguments for the ReportFunction props. */
export async function buildLambdaBundle(outDir: string): Promise<LambdaBundle> {
  const { target, banner } = await lambdaBundling();
  const outfile = join(outDir, "index.mjs");
  await build({
    entryPoints: [join(ROOT, "lambda/handler.ts")],
    bundle: true,
    target,
    platform: "node",
    format: "esm",
    outfile,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: banner },
    mainFields: ["module", "main"],
    logLevel: "warning",
  });
  return {
    path: outfile,
    bytes: (await stat(outfile)).size,
    sourceMapBytes: (await stat(`${outfile}.map`)).size,
    target,
  };
}
