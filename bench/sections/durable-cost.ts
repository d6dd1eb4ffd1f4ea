/**
 * What a durable report run costs in Lambda: billed seconds and GB-seconds from the measured
 * run, priced with the arm64 duration price, the request price and the durable-execution
 * charges. Prices are US East (N. Virginia), the prod stage's region, first duration tier,
 * without the free tier; bench/results say where each one comes from.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveStage } from "../../lib/stage-config.js";
import type { DurableMeasurement } from "../scenarios/durable.js";
import { ROOT } from "./common.js";

export const PRICES = {
  armPerGbSecond: 0.0000133334,
  requestPerMillion: 0.2,
  durableOperationPerMillion: 8,
  durableWrittenPerGb: 0.25,
  durableRetainedPerGbMonth: 0.15,
};

export const PRICE_SOURCES = [
  "Duration (arm64) $0.0000133334 per GB-second and requests $0.20 per million, us-east-1, first tier: " +
    "https://aws.amazon.com/lambda/pricing/ — that page fills its rate tables in client-side, so the stored copy " +
    "searched here shows no figure; these are the figures as transcribed by artillery " +
    "(`lib/platform/aws-lambda/prices.js`: arm64 base 1333340 × 10⁻¹¹ $/GB-s) and by other published price tables " +
    "(e.g. lambda_local_runner's `docs/lambdas-md/lambda-13-cost.md`).",
  "Durable functions: durable operations (steps, waits, child contexts; each step retry counts again) $8.00 per " +
    "million, data written $0.25 per GB, data retained $0.15 per GB-month: " +
    "https://www.thecandidstartup.org/2026/01/12/aws-lambda-durable-functions.html, quoting " +
    "https://aws.amazon.com/lambda/pricing/; the $8.00/M operation rate also appears in a 2026-09-20 harvest of " +
    "that page (api-evangelist/aws-lambda, `plans/aws-lambda-plans-pricing.yml`). Not confirmed against AWS's own " +
    "page text: check it before quoting these to anyone.",
];

/** The deployed function's memory (cdk.json's stages, defaults applied) and how long executions are kept. */
export interface FunctionSizing {
  memoryMbByStage: Record<string, number>;
  /** ReportFunction's `retentionPeriod` default: the execution history is kept this long after a run. */
  retentionDays: number;
}

export async function functionSizing(): Promise<FunctionSizing> {
  const cdk = JSON.parse(await readFile(join(ROOT, "cdk.json"), "utf8")) as { context: { stages: object } };
  const memoryMbByStage: Record<string, number> = {};
  for (const stage of ["dev", "prod"]) {
    memoryMbByStage[stage] = resolveStage(stage, cdk.context.stages).memorySizeMb;
  }
  return { memoryMbByStage, retentionDays: 30 };
}

export interface DayCost {
  /** What AWS would invoke: the first invocation, one after every wait and every retry delay. */
  awsInvocations: number;
  /** Mean handler time outside step bodies per measured invocation (SDK start, replay, checkpoints). */
  nonStepMsPerInvocation: number;
  /** Measured invocations, plus the invocations the local runner saved, at the mean non-step time each. */
  billedSeconds: number;
  gbSeconds: number;
  operations: number;
  computeUsd: number;
  requestUsd: number;
  operationUsd: number;
  writtenUsd: number;
  retainedUsd: number;
  totalUsd: number;
}

export function dayCost(run: DurableMeasurement, memoryMb: number, retentionDays: number): DayCost {
  const stepMs = run.steps.reduce((sum, step) => sum + step.ms, 0);
  const invocationMs = run.invocationMs.reduce((sum, ms) => sum + ms, 0);
  const nonStepMsPerInvocation = (invocationMs - stepMs) / Math.max(1, run.invocationMs.length);
  const awsInvocations = 1 + run.waits + run.retries;
  const missing = Math.max(0, awsInvocations - run.invocationMs.length);
  const billedSeconds = (invocationMs + missing * nonStepMsPerInvocation) / 1000;
  const gbSeconds = billedSeconds * (memoryMb / 1024);
  const operations = run.operations + run.retries;
  const gb = run.checkpointBytes / 1024 ** 3;
  const computeUsd = gbSeconds * PRICES.armPerGbSecond;
  const requestUsd = (awsInvocations / 1e6) * PRICES.requestPerMillion;
  const operationUsd = (operations / 1e6) * PRICES.durableOperationPerMillion;
  const writtenUsd = gb * PRICES.durableWrittenPerGb;
  const retainedUsd = gb * (retentionDays / 30) * PRICES.durableRetainedPerGbMonth;
  return {
    awsInvocations,
    nonStepMsPerInvocation,
    billedSeconds,
    gbSeconds,
    operations,
    computeUsd,
    requestUsd,
    operationUsd,
    writtenUsd,
    retainedUsd,
    totalUsd: computeUsd + requestUsd + operationUsd + writtenUsd + retainedUsd,
  };
}

/** Dollars with enough digits to tell a tenth of a cent from nothing. */
export function usd(value: number): string {
  if (value === 0) return "$0";
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value >= 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toPrecision(2)}`;
}
