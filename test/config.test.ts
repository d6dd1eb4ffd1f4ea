import { describe, expect, it } from "vitest";
import { ConfigError, parseLambdaEnv } from "../lambda/config.js";

const REQUIRED = {
  REPORT_BUCKET: "reports-bucket",
  AUTOCALLS_TOKEN_SECRET_ID: "callreport/token",
  MAIL_FROM: "reports@example.com",
  MAIL_TO: "managers@example.com",
  LINK_BASE_URL: "https://abc123.lambda-url.eu-central-1.on.aws/",
  LINK_SECRET_ID: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:LinkSecret-AbCdEf",
};

describe("parseLambdaEnv link settings", () => {
  it("reads the endpoint's URL, the link key's id and the link validity in days (30 when unset)", () => {
    const config = parseLambdaEnv(REQUIRED);

    expect(config.LINK_BASE_URL).toBe(REQUIRED.LINK_BASE_URL);
    expect(config.LINK_SECRET_ID).toBe(REQUIRED.LINK_SECRET_ID);
    expect(config.LINK_EXPIRY_DAYS).toBe(30);
    expect(parseLambdaEnv({ ...REQUIRED, LINK_EXPIRY_DAYS: "400" }).LINK_EXPIRY_DAYS).toBe(400);
  });

  it("names the stage setting of a bad LINK_EXPIRY_DAYS", () => {
    expect(() => parseLambdaEnv({ ...REQUIRED, LINK_EXPIRY_DAYS: "0" })).toThrow(
      "stages.prod.linkExpiryDays → LINK_EXPIRY_DAYS: needs a whole number from 1 to 3650",
    );
  });

  it.each(["http://abc123.lambda-url.eu-central-1.on.aws/", "abc123.lambda-url.eu-central-1.on.aws", ""])(
    "refuses the link base URL %j: links go out over https only",
    (url) => {
      expect(() => parseLambdaEnv({ ...REQUIRED, LINK_BASE_URL: url })).toThrow(
        /Invalid configuration — LINK_BASE_URL: not an https URL/,
      );
    },
  );

  it.each(["LINK_BASE_URL", "LINK_SECRET_ID"])("requires %s, which the stack always sets", (variable) => {
    const { [variable as keyof typeof REQUIRED]: _left, ...rest } = REQUIRED;

    expect(() => parseLambdaEnv(rest)).toThrow(new RegExp(`Invalid configuration — ${variable}: `));
  });
});

describe("parseLambdaEnv filter ids", () => {
  it("reads FILTER_ASSISTANT_ID and FILTER_CAMPAIGN_ID as numbers", () => {
    const config = parseLambdaEnv({ ...REQUIRED, FILTER_ASSISTANT_ID: "812", FILTER_CAMPAIGN_ID: "9007199254740991" });

    expect(config.FILTER_ASSISTANT_ID).toBe(812);
    expect(config.FILTER_CAMPAIGN_ID).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(["FILTER_ASSISTANT_ID", "FILTER_CAMPAIGN_ID"])(
    "refuses a %s beyond the safe integer range, which would reach the API as 1e+23",
    (variable) => {
      expect(() => parseLambdaEnv({ ...REQUIRED, [variable]: "99999999999999999999999" })).toThrow(ConfigError);
      expect(() => parseLambdaEnv({ ...REQUIRED, [variable]: "9007199254740993" })).toThrow(
        new RegExp(`${variable}: too large for an id \\(at most 9007199254740991\\)`),
      );
    },
  );
});

describe("parseLambdaEnv error hints", () => {
  it("names the stage setting a bad variable was deployed from, then the variable", () => {
    const env = { ...REQUIRED, REPORT_ENVIRONMENT: "staging", AUTOCALLS_BASE_URL: "ftp://example.com/api" };

    expect(() => parseLambdaEnv(env)).toThrow(
      "stages.staging.apiBaseUrl → AUTOCALLS_BASE_URL: not an http(s) URL — e.g. https://app.autocalls.ai/api",
    );
  });

  it("names the nested stage key of a filter", () => {
    expect(() => parseLambdaEnv({ ...REQUIRED, FILTER_CAMPAIGN_ID: "abc" })).toThrow(
      "stages.prod.filters.campaignId → FILTER_CAMPAIGN_ID: not a positive whole number",
    );
  });

  it("points at the bad address in a comma-separated list", () => {
    expect(() => parseLambdaEnv({ ...REQUIRED, MAIL_TO: "a@example.com, nobody" })).toThrow(
      "stages.prod.recipients.to[1] → MAIL_TO: not an email address",
    );
  });

  it("names only the variable when the stack, not a stage setting, sets it", () => {
    expect(() => parseLambdaEnv({ ...REQUIRED, REPORT_BUCKET: "" })).toThrow(/Invalid configuration — REPORT_BUCKET: /);
  });

  it("lists every bad variable and says where to fix them", () => {
    const error = (() => {
      try {
        parseLambdaEnv({ ...REQUIRED, AUTOCALLS_CONCURRENCY: "40", EMPTY_DAY: "never" });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error("expected a ConfigError");
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(
      "stages.prod.apiConcurrency → AUTOCALLS_CONCURRENCY: needs a whole number from 1 to 16",
    );
    expect(error.message).toContain('stages.prod.emptyDay → EMPTY_DAY: use "send" or "skip"');
    expect(error.message).toMatch(/Fix the stage's settings in cdk\.json and redeploy\.$/);
  });
});
