/**
 * Random calls for property tests: every field varied, awkward names (`__proto__`), fractional
 * and multi-hour durations, scores as strings, costs past 2^32 micros. Replayable from a seed
 * (seeded-random.ts); the caller says when the calls happen.
 */
import type { Call } from "../../lambda/report/call.js";
import { makeCall } from "./call-factory.js";

export type Random = () => number;

export function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

/** An object with these own keys; JSON.parse keeps `__proto__` an own key, as the API's JSON does. */
export function withKeys(keys: string[], value: (key: string) => unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(Object.fromEntries(keys.map((key) => [key, value(key)]))));
}

function randomDuration(random: Random): number {
  const kind = random();
  if (kind < 0.25) return 0;
  if (kind < 0.6) return 1 + Math.floor(random() * 120);
  if (kind < 0.85) return 120 + Math.floor(random() * 7_081);
  if (kind < 0.93) return 7_201 + Math.floor(random() * 30_000);
  return pick(random, [0.5, 12.3, 99.99, 7_200.5, 1e-3]);
}

function randomCost(random: Random): number {
  return random() < 0.05 ? 1_000_000_000 + Math.floor(random() * 9e9) : Math.floor(random() * 300_000);
}

function randomScore(random: Random): unknown {
  return pick(random, [
    8,
    6,
    7.3,
    8.15,
    9.99,
    0.1,
    Math.round(random() * 1000) / 100,
    random() * 10,
    "8.5",
    " 7.25 ",
    "6.7",
    "high",
    "",
    null,
    Number.NaN,
  ]);
}

function randomEvaluation(random: Random): Record<string, unknown> | null {
  if (random() < 0.15) return null;
  const extras = ["reason", "summary", "__proto__", "constructor", "next_step"].filter(() => random() < 0.2);
  const keys = ["sentiment", "outcome", "score", ...extras].filter(() => random() < 0.85);
  return withKeys(keys, (key) => {
    if (key === "sentiment") return pick(random, ["positive", "neutral", "negative", "", null, 3, true]);
    if (key === "outcome") return pick(random, ["qualified_lead", "callback", "voicemail", "__proto__", " "]);
    if (key === "score") return randomScore(random);
    return "note";
  });
}

function randomCall(random: Random, id: number, randomTimestamp: (random: Random) => string): Call {
  const totalCostMicros = randomCost(random);
  const variableKeys = ["customer_name", "interest_level", "order_id", "__proto__", `k${Math.floor(random() * 8)}`];
  return makeCall({
    id,
    createdAt: randomTimestamp(random),
    durationSeconds: randomDuration(random),
    totalCostMicros,
    carrierCostMicros: Math.floor(totalCostMicros * random()),
    status: pick(random, ["completed", "failed", "busy", "no-answer", null, "", "queued_v2", "__proto__"]),
    type: pick(random, ["inbound", "outbound", "web", null, "constructor"]),
    answeredBy: pick(random, ["human", "machine", "unknown", null, "fax"]),
    assistantName: pick(random, ["Sales Assistant", "Support", null, "", "  ", "__proto__", "constructor"]),
    campaignName: pick(random, ["Q4 Outreach Campaign", "Renewals", null, "", "__proto__", "hasOwnProperty"]),
    evaluation: randomEvaluation(random),
    variables: withKeys(
      variableKeys.filter(() => random() < 0.3),
      () => "x",
    ),
  });
}

export function randomCalls(random: Random, count: number, randomTimestamp: (random: Random) => string): Call[] {
  return Array.from({ length: count }, (_, index) => randomCall(random, index + 1, randomTimestamp));
}

/** `calls` cut into `parts` contiguous runs at random places; runs may be empty or one call long. */
export function randomSplit<T>(random: Random, calls: T[], parts: number): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => Math.floor(random() * (calls.length + 1))).sort((a, b) => a - b);
  const bounds = [0, ...cuts, calls.length];
  return bounds.slice(1).map((end, index) => calls.slice(bounds[index], end));
}
