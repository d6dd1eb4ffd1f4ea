import { vi } from "vitest";

export type LogLine = { level: string; message: string } & Record<string, unknown>;

/**
 * What a Lambda's Powertools logger writes (one JSON object per line, on stdout or stderr),
 * captured from `start()` until `vi.restoreAllMocks()`; every other output passes through.
 */
export function logCapture(): { start(): void; text(): string; lines(): LogLine[] } {
  let output = "";
  return {
    start() {
      output = "";
      for (const stream of [process.stdout, process.stderr]) {
        const write = stream.write.bind(stream);
        vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
          const text = String(chunk);
          if (!text.startsWith('{"level":')) return write(chunk, ...rest);
          output += text;
          return true;
        }) as typeof stream.write);
      }
    },
    text: () => output,
    lines: () =>
      output
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
  };
}
