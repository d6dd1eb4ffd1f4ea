import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkLink, signLink, underPrefix } from "../../lambda/links/signing.js";

const KEY = "0123456789abcdef".repeat(4);
const BASE = "https://abc.lambda-url.eu-central-1.on.aws/";
const REPORT = "reports/2025/08/04/calls-report-2025-08-04.xlsx";
const EXPIRES = 1_757_053_800;

function check(url: string, secrets = [KEY], now = EXPIRES - 1) {
  const parsed = new URL(url);
  return checkLink(parsed.pathname, parsed.searchParams, secrets, { now, prefix: "reports" });
}

describe("signed links", () => {
  it("sign the documented text with HMAC-SHA256 (a known answer computed here)", () => {
    const url = new URL(signLink(BASE, { target: { kind: "report", key: REPORT }, expires: EXPIRES }, KEY));
    const expected = createHmac("sha256", KEY)
      .update(`callreport-link-v1\nreport\n${REPORT}\n${EXPIRES}`)
      .digest("base64url");
    expect(url.searchParams.get("sig")).toBe(expected);
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}report`);
  });

  it("refuse a link whose expiry or key was edited, so an expired link cannot be revived", () => {
    const url = new URL(signLink(BASE, { target: { kind: "report", key: REPORT }, expires: EXPIRES }, KEY));
    const later = new URL(url);
    later.searchParams.set("expires", String(EXPIRES + 1));
    expect(check(later.toString())).toEqual({ ok: false, reason: "tampered" });
    const other = new URL(url);
    other.searchParams.set("key", REPORT.replace("04.xlsx", "05.xlsx"));
    expect(check(other.toString())).toEqual({ ok: false, reason: "tampered" });
    const archive = new URL(url);
    archive.pathname = "/archive";
    expect(check(archive.toString())).toEqual({ ok: false, reason: "tampered" });
    expect(check(url.toString())).toMatchObject({ ok: true });
  });

  it("say expired only for a valid signature past its time", () => {
    const url = signLink(BASE, { target: { kind: "report", key: REPORT }, expires: EXPIRES }, KEY);
    expect(check(url, [KEY], EXPIRES)).toMatchObject({ ok: true });
    expect(check(url, [KEY], EXPIRES + 1)).toEqual({
      ok: false,
      reason: "expired",
      target: { kind: "report", key: REPORT },
      expires: EXPIRES,
    });
  });

  it("keep report keys inside the stage's report folders", () => {
    expect(underPrefix(REPORT, "reports")).toBe(true);
    for (const key of [
      "other/2025/08/04/x.xlsx",
      "reports/../secrets.json",
      "reports//2025/x.xlsx",
      "reports/_work/2025-08-04/run/part-0001.ndjson.gz",
      "reports",
      "reportsX/2025/x.xlsx",
    ]) {
      expect(underPrefix(key, "reports"), key).toBe(false);
    }
    expect(underPrefix("2025/08/04/x.xlsx", "")).toBe(true);
    expect(underPrefix("_work/x", "")).toBe(false);
  });
});
