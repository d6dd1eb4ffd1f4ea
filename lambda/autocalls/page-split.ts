/**
 * Decodes a page body a call at a time instead of as one string. V8 puts every string over
 * 128 KB in its large-object space, where each allocation maps fresh memory: decoding a page
 * of 100 calls with transcripts (~220 KB) took ~1.4 ms, against ~0.03 ms for the same bytes
 * in pieces under 128 KB — at 100k calls, 1.5 s of the fetch's CPU (issue 19). So the body's
 * top-level object is walked over its bytes, its `data` array cut into one slice per element,
 * and each slice (and each other top-level value) goes to `JSON.parse` on its own.
 *
 * The walk only finds where values start and end; `JSON.parse` still checks every value, and
 * the walk checks what lies between them, so a body that splits decodes to what `JSON.parse`
 * of the whole would give. Anything unusual (a byte-order mark, a duplicate or `__proto__`
 * key, invalid JSON, no `data` array) answers null, and the caller decodes the whole body the
 * ordinary way, which also words the error.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A page body's top level: `data`'s elements as raw slices, every other key decoded. */
export interface SplitPage {
  /** The top-level keys other than `data`, decoded. */
  fields: Record<string, unknown>;
  /** Each element of `data`, as its bytes (views into the body). */
  data: Buffer[];
}

const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipSpace(bytes: Buffer, index: number): number {
  let at = index;
  while (isSpace(bytes[at])) at++;
  return at;
}

/** From an opening quote to just past its closing quote (-1 when it never closes). */
function skipString(bytes: Buffer, openingQuote: number): number {
  let from = openingQuote + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    // Escaped when an odd number of backslashes run up to it.
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Just past the value that starts at `start` (-1 when it does not end). Not checked: JSON.parse does that. */
function skipValue(bytes: Buffer, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) return skipString(bytes, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let at = start; at < bytes.length; at++) {
      const byte = bytes[at];
      if (byte === QUOTE) {
        const end = skipString(bytes, at);
        if (end === -1) return -1;
        at = end - 1;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return at + 1;
      }
    }
    return -1;
  }
  let at = start;
  while (at < bytes.length) {
    const byte = bytes[at];
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) break;
    at++;
  }
  return at === start ? -1 : at;
}

function parseSlice(bytes: Buffer, start: number, end: number): { value: unknown } | null {
  try {
    return { value: JSON.parse(bytes.toString("utf8", start, end)) };
  } catch {
    return null;
  }
}

/** The `data` array's elements as slices, from its `[`; null when it is not a well-formed array. */
function splitArray(bytes: Buffer, open: number): { elements: Buffer[]; end: number } | null {
  const elements: Buffer[] = [];
  let at = skipSpace(bytes, open + 1);
  if (bytes[at] === CLOSE_BRACKET) return { elements, end: at + 1 };
  for (;;) {
    const end = skipValue(bytes, at);
    if (end === -1) return null;
    elements.push(bytes.subarray(at, end));
    at = skipSpace(bytes, end);
    if (bytes[at] === COMMA) at = skipSpace(bytes, at + 1);
    else if (bytes[at] === CLOSE_BRACKET) return { elements, end: at + 1 };
    else return null;
  }
}

/**
 * Splits a JSON object body whose `data` is an array. Null when the body is anything else, or
 * when any part of it is not valid JSON: the caller then decodes it whole.
 */
export function splitPage(bytes: Buffer): SplitPage | null {
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== OPEN_BRACE) return null;
  const fields: Record<string, unknown> = {};
  let data: Buffer[] | null = null;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === CLOSE_BRACE) return null;
  for (;;) {
    if (bytes[at] !== QUOTE) return null;
    const keyEnd = skipString(bytes, at);
    const key = keyEnd === -1 ? null : parseSlice(bytes, at, keyEnd);
    if (key === null || typeof key.value !== "string") return null;
    const name = key.value;
    // A repeated key (JSON.parse keeps the last) and `__proto__` (an own key there, a prototype
    // here) are left to the ordinary decode.
    if (name === "__proto__" || Object.hasOwn(fields, name) || (name === "data" && data !== null)) return null;
    at = skipSpace(bytes, keyEnd);
    if (bytes[at] !== COLON) return null;
    at = skipSpace(bytes, at + 1);
    if (name === "data") {
      if (bytes[at] !== OPEN_BRACKET) return null;
      const array = splitArray(bytes, at);
      if (array === null) return null;
      data = array.elements;
      at = array.end;
    } else {
      const end = skipValue(bytes, at);
      const value = end === -1 ? null : parseSlice(bytes, at, end);
      if (value === null) return null;
      fields[name] = value.value;
      at = end;
    }
    at = skipSpace(bytes, at);
    if (bytes[at] === COMMA) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    if (bytes[at] !== CLOSE_BRACE || skipSpace(bytes, at + 1) !== bytes.length) return null;
    return data === null ? null : { fields, data };
  }
}

/**
 * The page decoded as `JSON.parse` would, one element of `data` at a time, with each element's
 * bytes; null when the body does not split (see splitPage) or an element is not valid JSON.
 */
export function decodePage(bytes: Buffer): { page: Record<string, unknown>; elements: Buffer[] } | null {
  const split = splitPage(bytes);
  if (split === null) return null;
  const data = new Array<unknown>(split.data.length);
  for (let index = 0; index < data.length; index++) {
    const element = split.data[index] as Buffer;
    const value = parseSlice(element, 0, element.length);
    if (value === null) return null;
    data[index] = value.value;
  }
  return { page: { ...split.fields, data }, elements: split.data };
}
