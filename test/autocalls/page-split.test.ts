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

describe("decodePage leaving transcripts in the bytes (deferTranscripts)", () => {
  const defer = { deferTranscripts: true };
  const transcriptsOf = (bytes: Buffer) =>
    decodePage(bytes, defer)?.page.data as Array<{ transcript?: unknown; variables?: unknown }> | undefined;

  it("reads each top-level transcript string as null and keeps it in the element's bytes, the rest as JSON.parse gives", () => {
    const random = seededRandom(1919);
    let deferred = 0;
    for (let round = 0; round < 400; round++) {
      const page = randomPage(random);
      const text = JSON.stringify(page);
      // Compact JSON: every element object's own string transcript is deferred.
      const expected = JSON.parse(text) as { data: unknown[] };
      for (const element of expected.data) {
        const record = element as { transcript?: unknown } | null;
        if (
          record !== null &&
          typeof record === "object" &&
          !Array.isArray(record) &&
          typeof record.transcript === "string"
        ) {
          record.transcript = null;
          deferred++;
        }
      }
      const decoded = decodePage(Buffer.from(text), defer);
      expect(decoded?.page, text).toEqual(expected);
      expect(decoded?.elements.map((element) => JSON.parse(element.toString("utf8")))).toEqual(JSON.parse(text).data);
    }
    expect(deferred, "the random pages hold string transcripts").toBeGreaterThan(150);
  });

  it("decodes pretty-printed pages whole, transcripts included (a part writes such records from their decoded form)", () => {
    const random = seededRandom(2019);
    for (let round = 0; round < 100; round++) {
      const text = JSON.stringify(randomPage(random), null, 2);
      expect(decodePage(Buffer.from(text), defer)?.page, text).toEqual(JSON.parse(text));
    }
  });

  it("leaves a transcript key that is not the record's own, or not compact, to JSON.parse", () => {
    const page = (element: string) => Buffer.from(`{"data":[${element}],"total":1}`);
    // The first such key is a variable's: the record is decoded whole.
    expect(transcriptsOf(page('{"id":1,"variables":{"transcript":"x"},"transcript":"y"}'))).toEqual([
      { id: 1, variables: { transcript: "x" }, transcript: "y" },
    ]);
    expect(transcriptsOf(page('{"id":1,"transcript":"y","variables":{"transcript":"x"}}'))).toEqual([
      { id: 1, transcript: null, variables: { transcript: "x" } },
    ]);
    expect(transcriptsOf(page('{"id":1,"variables":{"transcript":"x"}}'))).toEqual([
      { id: 1, variables: { transcript: "x" } },
    ]);
    expect(transcriptsOf(page(String.raw`{"id":1,"list":[{"transcript":"x"}],"note":"\"transcript\":\"y"}`))).toEqual([
      { id: 1, list: [{ transcript: "x" }], note: '"transcript":"y' },
    ]);
    expect(transcriptsOf(page('{"id":1, "transcript" : "x"}'))).toEqual([{ id: 1, transcript: "x" }]);
    // A record over several lines is written again from its decoded form: it keeps its transcript.
    expect(transcriptsOf(page('{"id":1,\n"transcript":"x"}'))).toEqual([{ id: 1, transcript: "x" }]);
    expect(transcriptsOf(page('{"id":1,"transcript":null}'))).toEqual([{ id: 1, transcript: null }]);
    // JSON.parse keeps the last of a repeated key; so does the deferred decode.
    expect(transcriptsOf(page('{"id":1,"transcript":"x","transcript":"y"}'))).toEqual([{ id: 1, transcript: "y" }]);
  });

  it("checks random transcript bytes, raw control characters and escapes anywhere, as JSON.parse does", () => {
    const random = seededRandom(4242);
    const pieces = ["a", "é", "😀", " ", "\\n", "\\u00e9", "\\\\", '\\"', "\\/"];
    const badEscapes = ["\\x", "\\u12", "\\uZZZZ", "\\ "];
    let valid = 0;
    let invalid = 0;
    for (let round = 0; round < 600; round++) {
      const parts: string[] = [];
      for (let index = Math.floor(random() * 40); index > 0; index--)
        parts.push(pieces[Math.floor(random() * pieces.length)] as string);
      const at = () => Math.floor(random() * (parts.length + 1));
      if (random() < 0.2) parts.splice(at(), 0, badEscapes[Math.floor(random() * badEscapes.length)] as string);
      // A raw control character (not a line feed: a record over lines is decoded whole) at any offset.
      if (random() < 0.2)
        parts.splice(at(), 0, String.fromCharCode([0, 1, 9, 13, 27, 31][Math.floor(random() * 6)] as number));
      const body = parts.join("");
      // Padding shifts where the transcript starts against the word view's 4-byte alignment.
      const text = `{"data":[{"id":1,${" ".repeat(round % 4)}"transcript":"${body}"}],"total":1}`;
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      const decoded = decodePage(Buffer.from(text), defer);
      if (parses) {
        valid++;
        expect(decoded?.page, text).toEqual({ data: [{ id: 1, transcript: null }], total: 1 });
      } else {
        invalid++;
        expect(decoded, text).toBeNull();
      }
    }
    expect(Math.min(valid, invalid), "both kinds of transcript").toBeGreaterThan(100);
  });

  const TAB = String.fromCharCode(9);
  const LF = String.fromCharCode(10);
  const NUL = String.fromCharCode(0);
  it.each([
    ["an escaped tab", String.raw`"a\tb"`, true],
    ["a raw tab byte", `"a${TAB}b"`, false],
    ["a raw line feed", `"a${LF}b"`, false],
    ["a NUL byte", `"a${NUL}b"`, false],
    ["an unknown escape", String.raw`"a\xb"`, false],
    ["a short \\u escape", String.raw`"a\u12"`, false],
    ["a \\u escape with a non-hex digit", String.raw`"a\u12G4"`, false],
    ["every valid escape", String.raw`"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 \u00E9"`, true],
  ])("checks the transcript left undecoded as JSON.parse would: %s", (_, transcript, valid) => {
    const text = `{"data":[{"id":1,"transcript":${transcript}}],"total":1}`;
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(parses, "the case's own premise").toBe(valid);
    const decoded = decodePage(Buffer.from(text), defer);
    if (valid) expect(decoded?.page).toEqual({ data: [{ id: 1, transcript: null }], total: 1 });
    else expect(decoded).toBeNull();
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
