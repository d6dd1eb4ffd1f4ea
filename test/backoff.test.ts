import { describe, expect, it } from "vitest";
import { backoffDelayMs, sleep } from "../lambda/backoff.js";

describe("backoffDelayMs", () => {
  const policy = (random: number) => ({ baseMs: 100, capMs: 1_000, random: () => random });

  it("doubles the step per retry and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 10].map((retry) => backoffDelayMs(retry, policy(1)))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it("waits between half and all of the step", () => {
    expect(backoffDelayMs(2, policy(0))).toBe(200);
    expect(backoffDelayMs(2, policy(0.5))).toBe(300);
    expect(backoffDelayMs(2, policy(0.999))).toBe(400);
  });
});

describe("sleep", () => {
  it("resolves after the time has passed", async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
  });

  it("rejects with the abort reason, not a generic AbortError", async () => {
    const controller = new AbortController();
    const reason = new Error("the deadline passed");
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(10, controller.signal)).rejects.toBe(reason);
  });
});
