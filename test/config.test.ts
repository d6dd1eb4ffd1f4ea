import { describe, expect, it } from "vitest";
import { ConfigError, parseLambdaEnv } from "../lambda/config.js";

const REQUIRED = {
  REPORT_BUCKET: "reports-bucket",
  AUTOCALLS_TOKEN_SECRET_ID: "callreport/token",
  MAIL_FROM: "reports@example.com",
  MAIL_TO: "managers@example.com",
};

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
