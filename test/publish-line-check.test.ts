import { describe, expect, it } from "vitest";
import { lineMayMatch } from "../lambda/publish.js";

const line = (record: Record<string, unknown>) => Buffer.from(JSON.stringify(record));

describe("the stored line pre-check of a report filtered by type or status", () => {
  it("refuses a line holding none of the report's statuses, and passes one holding one", () => {
    const check = lineMayMatch({ callStatuses: ["no-answer", "busy"] });
    expect(check(line({ id: 1, status: "completed" }))).toBe(false);
    expect(check(line({ id: 2, status: "busy" }))).toBe(true);
  });

  it("does not pre-check a value the API may escape another way (PHP writes / as \\/)", () => {
    const check = lineMayMatch({ callTypes: ["web/inbound"] });
    expect(check(Buffer.from('{"id":3,"type":"web\\/inbound"}'))).toBe(true);
    const accented = lineMayMatch({ callStatuses: ["rappelé"] });
    expect(accented(Buffer.from('{"id":4,"status":"rappel\\u00e9"}'))).toBe(true);
  });
});
