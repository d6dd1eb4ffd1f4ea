/**
 * Summarises a V8 `.cpuprofile` of the (unminified) worker bundle: self time per source
 * module — found from esbuild's `// path` markers in the bundle — and the hottest functions.
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byModule: Array<{ module: string; selfMs: number; share: number }>;
  byFunction: Array<{ name: string; module: string; selfMs: number; share: number }>;
}

/** `node_modules/exceljs/lib/x.js` → `exceljs`; `lambda/report/workbook.ts` stays a path. */
function moduleGroup(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return match ? (match[1] as string) : path;
}

export async function summariseProfile(profilePath: string, bundlePath: string, top = 12): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(profilePath, "utf8")) as CpuProfile;
  const bundleLines = (await readFile(bundlePath, "utf8")).split("\n");
  // Line (0-based) where each bundled module starts, from esbuild's `// node_modules/pkg/file.js` comments.
  const starts: Array<{ line: number; module: string }> = [];
  bundleLines.forEach((text, line) => {
    const marker = /^\/\/ ((?:node_modules|lambda|bench|test)\/\S+)$/.exec(text);
    if (marker) starts.push({ line, module: marker[1] as string });
  });
  const moduleAt = (line: number): string => {
    let low = 0;
    let high = starts.length - 1;
    let found = "(bundle prelude)";
    while (low <= high) {
      const middle = (low + high) >> 1;
      const start = starts[middle] as { line: number; module: string };
      if (start.line <= line) {
        found = start.module;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };

  const selfMsByNode = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMsByNode.set(id, (selfMsByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, { module: string; selfMs: number }>();
  let totalMs = 0;
  for (const node of profile.nodes) {
    const selfMs = selfMsByNode.get(node.id) ?? 0;
    if (selfMs === 0) continue;
    totalMs += selfMs;
    const { url, functionName, lineNumber } = node.callFrame;
    let group: string;
    let file: string;
    if (url.endsWith("worker.mjs")) {
      file = moduleAt(lineNumber);
      group = moduleGroup(file);
    } else if (url === "") {
      file = functionName.startsWith("(") ? functionName : "(native)";
      group = file;
    } else {
      file = url.replace(/^node:/, "node:");
      group = url.startsWith("node:") ? "node internals" : url;
    }
    byModule.set(group, (byModule.get(group) ?? 0) + selfMs);
    const name = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    const entry = byFunction.get(name) ?? { module: group, selfMs: 0 };
    entry.selfMs += selfMs;
    byFunction.set(name, entry);
  }
  const share = (ms: number) => ms / totalMs;
  return {
    totalMs,
    byModule: [...byModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, selfMs]) => ({ module, selfMs, share: share(selfMs) })),
    byFunction: [...byFunction]
      .sort((a, b) => b[1].selfMs - a[1].selfMs)
      .slice(0, top)
      .map(([name, entry]) => ({ name, module: entry.module, selfMs: entry.selfMs, share: share(entry.selfMs) })),
  };
}
