/**
 * What the CLI prints when a run fails: one or two plain lines naming the problem and the fix,
 * and which failures are usage mistakes (exit 2) rather than failed runs (exit 1).
 */
import { basename, resolve, sep } from "node:path";
import {
  AutocallsDeadlineError,
  AutocallsPauseTooLongError,
  AutocallsUnavailableError,
} from "../lambda/autocalls/errors.js";

/** The client's wording for a request that got no HTTP answer (refused, DNS, TLS, timeout). */
const NETWORK_FAILURE = /^(network error|no answer within)/;

/** What a file-system error inside --out means to the person who chose the folder, and the fix. */
const OUT_FOLDER_PROBLEMS: Record<string, (error: NodeJS.ErrnoException & { dest?: string }) => string> = {
  ENOTDIR: () => "a file is in the way where a folder should be — move the file, or pick another --out",
  EEXIST: () => "a file is in the way where a folder should be — move the file, or pick another --out",
  EACCES: () => "permission denied — pick a folder you can write to with --out, or fix its permissions",
  EPERM: () => "permission denied — pick a folder you can write to with --out, or fix its permissions",
  EROFS: () => "it is on a read-only file system — pick another --out",
  ENOSPC: () => "the disk is full — free some space, or pick another --out",
  EISDIR: (error) =>
    `a folder named ${basename(error.dest ?? error.path ?? "")} is in the way — move it away and run again`,
};

const BUILT_IN_ERRORS = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError"]);

/**
 * One or two plain lines: what went wrong and what to do. Stack traces only with --verbose.
 * `context.baseUrl`: the API address the run used, named when the API could not be reached at all;
 * `context.outDir`: the report folder, named when the file system refuses to write there.
 */
export function cliErrorMessage(
  error: unknown,
  context: { baseUrl?: string; outDir?: string; fetchTimeoutMinutes?: number } = {},
): string {
  if (!(error instanceof Error)) return `Error: ${String(error)}`;
  const outFolderProblem = context.outDir === undefined ? undefined : describeOutFolderError(error, context.outDir);
  if (outFolderProblem)
    return `Error: cannot write the report into ${resolve(context.outDir as string)}: ${outFolderProblem}.`;
  if (isUsageError(error)) return `Error: ${error.message.replace(/\.$/, "")} — run with --help for the options.`;
  // "Retry later" is the right advice for an outage, but a mistyped address fails the same way —
  // only when the API never answered in this run.
  if (
    error instanceof AutocallsUnavailableError &&
    context.baseUrl &&
    !error.answered &&
    NETWORK_FAILURE.test(error.lastSeen)
  ) {
    return `Error: ${error.message}\nIf it persists, check that AUTOCALLS_BASE_URL (${context.baseUrl}) is the API's address and reachable from this machine.`;
  }
  if (
    (error instanceof AutocallsDeadlineError || error instanceof AutocallsPauseTooLongError) &&
    context.fetchTimeoutMinutes !== undefined
  ) {
    return `Error: ${error.message}\nTo give the fetch more time, raise --fetch-timeout (now ${context.fetchTimeoutMinutes} minutes).`;
  }
  // Our own errors are named classes whose messages already say what to fix.
  if (!BUILT_IN_ERRORS.has(error.name)) return `Error: ${error.message}`;
  return `Error: ${error.message} (unexpected — run again with --verbose for the details).`;
}

/** Flag errors: node:util parseArgs's own, or ours. */
export function isUsageError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** The reason a file-system error about a path inside `outDir` gives, or undefined for any other error. */
function describeOutFolderError(error: Error, outDir: string): string | undefined {
  const { code, path } = error as NodeJS.ErrnoException;
  const problem = code === undefined ? undefined : OUT_FOLDER_PROBLEMS[code];
  if (!problem || path === undefined) return undefined;
  const folder = resolve(outDir);
  const inside = path === folder || path.startsWith(`${folder}${sep}`);
  return inside ? problem(error) : undefined;
}
