import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Answer, RetryableFailure, readCallsPage } from "../../lambda/autocalls/answer.js";
import { AutocallsResponseError } from "../../lambda/autocalls/errors.js";
import { decodePage, splitPage } from "../../lambda/autocalls/page-split.js";
import { seededRandom } from "../support/seeded-random.js";

const referenceBytes = readFileSync(new URL("../fixtures/calls-page.json", import.meta.url));

/** Text that exercises the walk: quotes, runs of backslashes before quotes, brackets, non-ASCII. */
const AWKWARD = [
  '"',
  "\\",
  '\\"',
  '\\\\"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  " ",
  "\n",
  "é",
  "—",
  "😀",
  "\u0000",
  "\u2028",
  "a",
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return random() < 0.5 ? Math.floor(random() * 2e6) - 1e6 : (random() - 0.5) * 1e-3;
    case 3:
    case 4:
      return Array.from(
        { length: Math.floor(random() * 12) },
        () => AWKWARD[Math.floor(random() * AWKWARD.length)],
      ).join("");
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, index) => [
          `${AWKWARD[Math.floor(random() * AWKWARD.length)]}${index}`,
          randomValue(random, depth + 1),
        ]),
      );
  }
}

function randomPage(random: () => number): Record<string, unknown> {
  const data = Array.from({ length: Math.floor(random() * 6) }, () =>
    random() < 0.8
      ? { id: Math.floor(random() * 1e6), transcript: randomValue(random, 0), variables: randomValue(random, 1) }
      : randomValue(random, 0),
  );
  const page: Record<string, unknown> = {
    current_page: 1,
    data,
    last_page: 3,
    total: 250,
    links: randomValue(random, 1),
  };
  if (random() < 0.5) page.next_page_url = null;
  return page;
}

describe("decodePage", () => {
  it("decodes the API reference's page to what JSON.parse of the whole body gives", () => {
    expect(decodePage(referenceBytes)?.page).toEqual(JSON.parse(referenceBytes.toString("utf8")));
  });

  it("decodes random pages, compact and pretty-printed, to what JSON.parse gives", () => {
    const random = seededRandom(19);
    for (let round = 0; round < 400; round++) {
      const page = randomPage(random);
      const text = round % 2 === 0 ? JSON.stringify(page) : JSON.stringify(page, null, round % 4 === 1 ? 2 : "\t");
      const bytes = Buffer.from(text);
      expect(decodePage(bytes)?.page, text).toEqual(JSON.parse(text));
    }
  });

  it("cuts data into one slice per element, each the element's own bytes", () => {
    const split = splitPage(
      Buffer.from('{ "total": 2, "data" : [ {"id":1,"t":"a\\"],"} ,\n[2, {"x": "]"}] ], "last_page": 1 }'),
    );
    expect(split?.fields).toEqual({ total: 2, last_page: 1 });
    expect(split?.data.map((slice) => slice.toString())).toEqual(['{"id":1,"t":"a\\"],"}', '[2, {"x": "]"}]']);
  });

  it.each([
    ["a byte-order mark", "\uFEFF" + '{"data":[]}'],
    ["a repeated key", '{"data":[],"total":1,"total":2}'],
    ["a repeated data", '{"data":[1],"data":[2]}'],
    ["a __proto__ key", '{"__proto__":{"x":1},"data":[]}'],
    ["data not an array", '{"data":{"0":1}}'],
    ["no data", '{"total":0}'],
    ["an empty object", "{}"],
    ["a top-level array", "[1,2]"],
    ["text after the object", '{"data":[]} x'],
    ["a second object", '{"data":[]}{"data":[]}'],
    ["a truncated body", '{"data":[{"id":1,"t":"abc'],
    ["a missing comma", '{"data":[1 2]}'],
    ["an invalid element", '{"data":[1,tru]}'],
    ["an invalid value", '{"data":[],"total":01}'],
    ["a missing value", '{"data":[],"total":}'],
    ["a trailing comma", '{"data":[1,],"total":1}'],
    ["an empty body", ""],
  ])("leaves %s to the ordinary decode (null)", (_, text) => {
    expect(decodePage(Buffer.from(text))).toBeNull();
  });
});

describe("readCallsPage over bytes", () => {
  const answer = (text: string | Buffer, contentType = "application/json"): Answer => ({
    status: 200,
    headers: new Headers({ "content-type": contentType }),
    bytes: Buffer.isBuffer(text) ? text : Buffer.from(text),
  });

  it("reads a page with a byte-order mark, as Response.text() would have", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), referenceBytes]);
    const whole = readCallsPage(1, answer(referenceBytes), (text) => text);
    const withBom = readCallsPage(1, answer(bom), (text) => text);
    expect(withBom.calls).toEqual(whole.calls);
    expect(withBom.records).toEqual(whole.records);
    // Decoded whole, so without the split's bytes of each record.
    expect(withBom.recordBytes).toBeUndefined();
    expect(whole.recordBytes?.map((bytes) => JSON.parse(bytes.toString()))).toEqual(whole.records);
    expect(whole.calls.length).toBe(JSON.parse(referenceBytes.toString("utf8")).data.length);
  });

  it("still words a truncated body and a bad call as before", () => {
    const truncated = referenceBytes.subarray(0, referenceBytes.length - 40);
    expect(() => readCallsPage(1, answer(truncated), (text) => text)).toThrow(RetryableFailure);
    expect(() => readCallsPage(1, answer(truncated), (text) => text)).toThrow(
      `truncated or invalid JSON (${truncated.toString("utf8").length} characters)`,
    );
    expect(() =>
      readCallsPage(
        1,
        answer('{"data":[{"id":"7","created_at":"2025-08-04 09:00:00"}],"total":1,"last_page":1}'),
        (text) => text,
      ),
    ).toThrow(AutocallsResponseError);
  });
});
