/**
 * The step runner of a Lambda durable execution: the pipeline's steps, waits and per-day
 * groups become the SDK's checkpointed steps, durable waits and child contexts. Only the
 * handler imports this (the CLI runs the same pipeline with `inProcessSteps`).
 */
import type { DurableContext } from "@aws/durable-execution-sdk-js";
import type { StepRunner } from "./steps.js";

export function durableSteps(context: DurableContext): StepRunner {
  return {
    step: async (name, fn, options) =>
      await context.step(name, () => fn(), {
        retryStrategy: (error, attempt) => {
          const retry = options?.retry?.(error, attempt) ?? null;
          return retry === null
            ? { shouldRetry: false }
            : { shouldRetry: true, delay: { seconds: retry.delaySeconds } };
        },
      }),
    wait: async (name, seconds) => {
      await context.wait(name, { seconds: Math.max(1, Math.ceil(seconds)) });
    },
    child: async (name, fn) => await context.runInChildContext(name, (child) => fn(durableSteps(child))),
  };
}
