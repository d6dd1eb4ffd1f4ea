import { describe, expect, it } from "vitest";
import { parseLinkEndpointEnv } from "../lambda/link-endpoint.js";

describe("its configuration", () => {
  const valid = { REPORT_BUCKET: "reports-bucket", LINK_SECRET_ID: "callreport/prod/link-key" };

  it("defaults the prefix and the links' validity", () => {
    expect(parseLinkEndpointEnv(valid)).toMatchObject({ REPORT_PREFIX: "reports", LINK_EXPIRY_DAYS: 30 });
  });

  it("names every bad variable in one line", () => {
    const parse = () => parseLinkEndpointEnv({ REPORT_BUCKET: "reports-bucket", LINK_EXPIRY_DAYS: "soon" });
    expect(parse).toThrow(
      /^Invalid link endpoint configuration — LINK_SECRET_ID: needs the id of the link signing key's secret; LINK_EXPIRY_DAYS: needs a whole number from 1 to 36500\./,
    );
    expect(() => parse()).not.toThrow(/\n/);
  });
});
