import { LocalDurableTestRunner, type TestResult } from "@aws/durable-execution-sdk-js-testing";

/**
 * Runs a durable handler as Lambda would, through the SDK's local runner: a local checkpoint
 * server records every step and wait, and the handler is re-invoked (replayed) after each
 * suspension. Call `setupDurableRunner` once per test file (it is global: with `skipTime` it
 * fakes timers and Date for the whole process).
 */
export async function setupDurableRunner(options: { skipTime: boolean }): Promise<void> {
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: options.skipTime });
}

export async function teardownDurableRunner(): Promise<void> {
  await LocalDurableTestRunner.teardownTestEnvironment();
}

// biome-ignore lint/suspicious/noExplicitAny: the runner types the handler loosely.
type DurableHandler = (...args: any[]) => Promise<any>;

/** One execution: its status, result or error, and its operations. */
export async function runExecution<T>(handler: DurableHandler, payload: unknown): Promise<TestResult<T>> {
  const runner = new LocalDurableTestRunner<T>({ handlerFunction: handler });
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
