import { LocalDurableTestRunner, type TestResult } from "@aws/durable-execution-sdk-js-testing";
import type { StepRunner } from "../../lambda/steps.js";

// The real clock and timers, taken when this module loads, before the runner fakes them.
const realHrtime = process.hrtime.bigint;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

/**
 * Runs a durable handler as Lambda would, through the SDK's local runner: a local checkpoint
 * server records every step and wait, and the handler is re-invoked (replayed) after each
 * suspension. Call `setupDurableRunner` once per test file (it is global: with `skipTime` it
 * fakes timers and Date for the whole process).
 */
export async function setupDurableRunner(options: { skipTime: boolean }): Promise<void> {
  const { nextTick } = process;
  const { queueMicrotask } = globalThis;
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: options.skipTime });
  // The runner fakes everything sinon can, process.nextTick and queueMicrotask included: Node's
  // streams then wait for the fake clock's next 20 ms tick at every turn, and a 2 MB PUT over
  // 127.0.0.1 took 1 s instead of 0.15 s. Waits and retry delays need only Date and the timers faked.
  // (The fake clock's uninstall puts back what it replaced, so these are restored twice, harmlessly.)
  process.nextTick = nextTick;
  globalThis.queueMicrotask = queueMicrotask;
}

export async function teardownDurableRunner(): Promise<void> {
  await LocalDurableTestRunner.teardownTestEnvironment();
}

// biome-ignore lint/suspicious/noExplicitAny: the runner types the handler loosely.
type DurableHandler = (...args: any[]) => Promise<any>;

/**
 * One execution: its status, result or error, and its operations. `remainingMs` is what each
 * invocation is told it has left; the local runner says 900 s, and the SDK then holds any
 * shorter wait or retry delay on a timer inside the invocation instead of suspending — with
 * time skipping a few seconds make waits suspend, and their time is skipped.
 */
export async function runExecution<T>(
  handler: DurableHandler,
  payload: unknown,
  options: { remainingMs?: number } = {},
): Promise<TestResult<T>> {
  const { remainingMs } = options;
  const handlerFunction: DurableHandler =
    remainingMs === undefined
      ? handler
      : (event, context) => handler(event, { ...context, getRemainingTimeInMillis: () => remainingMs });
  const runner = new LocalDurableTestRunner<T>({ handlerFunction });
  return runner.run({ payload });
}

/** An execution that failed, as the error its last invocation threw (message and type kept). */
export class ExecutionFailedError extends Error {
  constructor(
    message: string,
    readonly errorType: string | undefined,
  ) {
    super(message);
    this.name = errorType ?? "ExecutionFailedError";
  }
}

/** Runs the handler to its end: resolves with its result, or rejects like a failed execution. */
export async function invokeDurable<T>(handler: DurableHandler, payload: unknown): Promise<T> {
  const execution = await runExecution<T>(handler, payload);
  if (execution.getStatus() === "SUCCEEDED") return execution.getResult() as T;
  const error = execution.getError();
  throw new ExecutionFailedError(error.errorMessage ?? `execution ${execution.getStatus()}`, error.errorType);
}

/**
 * Moves the faked clock to the end of each durable wait the first time the wait is seen done.
 * With `skipTime` the local runner completes waits at once, but it advances the faked clock
 * only when its checkpoint worker (a thread on the real clock) still sees time to skip: after
 * the first skipped wait the faked clock is ahead of the worker's, and later waits pass without
 * moving it, so a rate limit read on the faked clock would never free up.
 *
 * One per execution: `reportExecutionWith({ steps: advanceClockThroughWaits() })`. The handler
 * builds its step runner anew in every invocation, so what a wait was given is kept here: its
 * end is fixed when it starts (a replay in a later invocation, after the runner has moved the
 * clock, must not add the wait again), and a wait already passed is not waited for twice.
 */
export function advanceClockThroughWaits(): (steps: StepRunner) => StepRunner {
  const ends = new Map<string, number>();
  const passed = new Set<string>();
  const wrap = (inner: StepRunner, scope: string): StepRunner => ({
    step: (name, fn, options) => inner.step(name, fn, options),
    wait: async (name, seconds) => {
      const key = `${scope}/${name}`;
      if (passed.has(key)) return await inner.wait(name, seconds);
      if (!ends.has(key)) ends.set(key, Date.now() + seconds * 1000);
      await inner.wait(name, seconds);
      passed.add(key);
      const end = ends.get(key) ?? 0;
      if (Date.now() < end) fakeClock().setSystemTime(end);
    },
    child: (name, fn) => inner.child(name, (child) => fn(wrap(child, `${scope}/${name}`))),
  });
  return (steps) => wrap(steps, "");
}

/**
 * Keeps the faked clock at the real clock's pace between skipped waits; returns a function that
 * stops it. The runner's own advance (sinon's `shouldAdvanceTime`) adds 20 ms each time a 20 ms
 * timer fires, so it loses whatever time the event loop is too busy to fire it: a measurement of
 * simulated time would leave out part of the real work (the benchmark's publish step, for one).
 */
export function keepFakeClockAtRealPace(): () => void {
  const clock = fakeClock();
  const realMs = () => Number(realHrtime()) / 1e6;
  // How far the faked clock is ahead of the real one: it only grows (skipped waits), unless it lags.
  let lead = Date.now() - realMs();
  const timer = realSetInterval(() => {
    const current = Date.now() - realMs();
    if (current > lead) lead = current;
    else if (lead - current >= 1) clock.tick(Math.floor(lead - current));
  }, 20);
  return () => realClearInterval(timer);
}

interface FakeClock {
  setSystemTime(ms: number): void;
  tick(ms: number): void;
}

function fakeClock(): FakeClock {
  const clock = (LocalDurableTestRunner as unknown as { fakeClock?: FakeClock }).fakeClock;
  if (!clock) throw new Error("Time is not skipped: call setupDurableRunner({ skipTime: true }) first.");
  return clock;
}
