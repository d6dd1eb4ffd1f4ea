import { describe, expect, it } from "vitest";
import { DEFAULT_CONCURRENCY } from "../lambda/autocalls/client.js";
import { parseLambdaEnv } from "../lambda/config.js";
import { DEFAULTS, LAMBDA_ENV, SETTINGS, stageKeyOfEnv } from "../lambda/settings.js";
import { resolveStage, stageSettingsSchema } from "../lib/stage-config.js";

const MINIMAL_STAGE = {
  timezone: "Europe/Berlin",
  recipients: { to: ["manager@example.com"] },
  sender: "reports@example.com",
};

describe("the settings vocabulary", () => {
  it("gives every Lambda variable a distinct name", () => {
    const names = Object.values(LAMBDA_ENV);
    expect(new Set(names).size).toBe(names.length);
  });

  it("maps each stage key it names to a key the stage schema has", () => {
    for (const { stageKey } of Object.values(SETTINGS) as Array<{ stageKey?: string }>) {
      if (stageKey === undefined) continue;
      expect(Object.keys(stageSettingsSchema.shape), stageKey).toContain(stageKey.split(".")[0]);
    }
  });

  it("finds the stage key of a variable, and none for one the stack sets", () => {
    expect(stageKeyOfEnv("FILTER_CALL_TYPE")).toBe("filters.callType");
    expect(stageKeyOfEnv("REPORT_BUCKET")).toBeUndefined();
  });

  it("keeps the default concurrency equal to the client's", () => {
    expect(DEFAULTS.apiConcurrency).toBe(DEFAULT_CONCURRENCY);
  });

  it("gives a minimal stage and an empty Lambda environment the same defaults", () => {
    const stage = resolveStage("dev", { dev: MINIMAL_STAGE });
    const lambda = parseLambdaEnv({
      REPORT_BUCKET: "reports-bucket",
      AUTOCALLS_TOKEN_SECRET_ID: "callreport/token",
      MAIL_FROM: "reports@example.com",
      MAIL_TO: "manager@example.com",
      LINK_BASE_URL: "https://abc123.lambda-url.eu-central-1.on.aws/",
      LINK_SECRET_ID: "link-key",
    });

    expect(lambda[LAMBDA_ENV.apiBaseUrl]).toBe(stage.apiBaseUrl);
    expect(lambda[LAMBDA_ENV.apiTimezone]).toBe(stage.apiTimezone);
    expect(lambda[LAMBDA_ENV.fetchConcurrency]).toBe(stage.apiConcurrency);
    expect(lambda[LAMBDA_ENV.prefix]).toBe(stage.prefix);
    expect(lambda[LAMBDA_ENV.linkExpiryDays]).toBe(stage.linkExpiryDays);
    expect(lambda[LAMBDA_ENV.emptyDay]).toBe(stage.emptyDay);
    expect(lambda[LAMBDA_ENV.attachWorkbook]).toBe(stage.attachWorkbook);
    expect(lambda[LAMBDA_ENV.includeTranscripts]).toBe(stage.includeTranscripts);
    expect(lambda[LAMBDA_ENV.maskPhoneNumbers]).toBe(stage.maskPhoneNumbers);
    expect(lambda[LAMBDA_ENV.maxBackfillDays]).toBe(stage.maxBackfillDays);
  });

  it("refuses an http API URL for a deployed stage, which the Lambda and the CLI accept for a local API", () => {
    expect(() => resolveStage("dev", { dev: { ...MINIMAL_STAGE, apiBaseUrl: "http://127.0.0.1:8080/api" } })).toThrow(
      "stages.dev.apiBaseUrl: is not an https URL",
    );
  });
});
