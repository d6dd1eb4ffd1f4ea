/**
 * Checks of stored JSON read back by hand (the domain has no zod): a partial aggregate
 * (partial-aggregate.ts) and a stored summary (stored-summary.ts). Each reader binds them to
 * its own error, whose message names the field; `path` is the field as a reader would write it.
 */
import { ExactSum } from "./exact-sum.js";

/** Throws the reader's error for the field at `path`. */
export type Fail = (path: string, problem: string) => never;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The checks, each throwing through `fail`. */
export function jsonChecks(fail: Fail) {
  /** The items of an array, holes read as undefined (JSON has none, but an object built in code may). */
  const array = (value: unknown, path: string): unknown[] => {
    if (!Array.isArray(value)) fail(path, "is not an array");
    return Array.from(value);
  };
  const record = (value: unknown, path: string): Record<string, unknown> => {
    if (!isRecord(value)) fail(path, "is not an object");
    return value;
  };
  const text = (value: unknown, path: string): string => {
    if (typeof value !== "string") fail(path, "is not a string");
    return value;
  };
  const count = (value: unknown, path: string, minimum = 0): number => {
    if (!Number.isSafeInteger(value) || (value as number) < minimum) {
      fail(path, `is ${JSON.stringify(value) ?? String(value)}, not a whole number of at least ${minimum}`);
    }
    return value as number;
  };
  const micros = (value: unknown, path: string): number => {
    if (!Number.isSafeInteger(value)) fail(path, "is not a whole number of micro-dollars");
    return value as number;
  };
  const exactSum = (value: unknown, path: string): string => {
    if (typeof value !== "string" || ExactSum.parse(value) === null) {
      fail(path, 'is not an exact decimal sum of doubles (a string such as "12.5")');
    }
    return value;
  };
  const uniqueNames = (names: string[], path: string): void => {
    const seen = new Set<string>();
    for (const [index, name] of names.entries()) {
      if (seen.has(name)) fail(`${path}[${index}]`, `repeats ${JSON.stringify(name)}`);
      seen.add(name);
    }
  };
  /** `[seconds, count]` pairs in ascending order of seconds: a duration histogram. */
  const durations = (value: unknown, path: string): [number, number][] => {
    let previous = Number.NEGATIVE_INFINITY;
    return array(value, path).map((entry, index): [number, number] => {
      const pair = array(entry, `${path}[${index}]`);
      const seconds = pair[0];
      if (pair.length !== 2 || typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= previous) {
        fail(`${path}[${index}]`, "is not a [seconds, count] pair in ascending order of seconds");
      }
      previous = seconds;
      return [seconds, count(pair[1], `${path}[${index}][1]`, 1)];
    });
  };
  /** 24 counts, one per local clock hour. */
  const hourly = (value: unknown, path: string): number[] => {
    const hours = array(value, path).map((calls, hour) => count(calls, `${path}[${hour}]`));
    if (hours.length !== 24) fail(path, `has ${hours.length} entries, not 24`);
    return hours;
  };
  /** A list of named items, each read by `item`, no name twice. */
  const namedList = <T extends { name: string }>(
    value: unknown,
    path: string,
    item: (value: unknown, path: string) => T,
  ): T[] => {
    const list = array(value, path).map((entry, index) => item(entry, `${path}[${index}]`));
    uniqueNames(
      list.map(({ name }) => name),
      path,
    );
    return list;
  };
  return { array, record, text, count, micros, exactSum, uniqueNames, namedList, durations, hourly };
}
