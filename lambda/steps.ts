/**
 * How the pipeline runs its checkpointed steps. In AWS the report function is a Lambda durable
 * function and `lambda/durable-steps.ts` maps this interface onto the durable execution SDK:
 * a finished step's result is recorded and a replay returns it without running the step again,
 * and a wait suspends the function and bills nothing. The CLI runs the very same pipeline with
 * `inProcessSteps`: steps run once, in order, and a wait is a sleep.
 *
 * A step's result is recorded as JSON (at most 256 KB in AWS), so steps return small,
 * plain values — counts, keys, sizes — never the calls themselves.
 */
import { sleep as realSleep } from "./backoff.js";

export interface StepOptions {
  /**
   * Asked after a failed attempt (1 for the first): the delay before trying again, or null to
   * fail the step. Absent: the step fails at its first error.
   */
  retry?: (error: unknown, attempt: number) => { delaySeconds: number } | null;
}

export interface StepRunner {
  /** Runs `fn` unless a replay already has its result; the result must be plain JSON. */
  step<T>(name: string, fn: () => Promise<T>, options?: StepOptions): Promise<T>;
  /** Waits whole seconds (at least 1); a durable runner suspends the function meanwhile. */
  wait(name: string, seconds: number): Promise<void>;
  /** Groups the operations of `fn` under `name`: one report day of a backfill. */
  child<T>(name: string, fn: (steps: StepRunner) => Promise<T>): Promise<T>;
}

/** Steps that simply run, in this process: the CLI's runner. */
export function inProcessSteps(
  options: { sleep?: (ms: number) => Promise<void>; onWait?: (name: string, seconds: number) => void } = {},
): StepRunner {
  const sleep = options.sleep ?? ((ms: number) => realSleep(ms));
  const runner: StepRunner = {
    async step(_name, fn, stepOptions) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (error) {
          const retry = stepOptions?.retry?.(error, attempt) ?? null;
          if (retry === null) throw error;
          await sleep(retry.delaySeconds * 1000);
        }
      }
    },
    async wait(name, seconds) {
      options.onWait?.(name, seconds);
      await sleep(Math.max(1, Math.ceil(seconds)) * 1000);
    },
    child: (_name, fn) => fn(runner),
  };
  return runner;
}
