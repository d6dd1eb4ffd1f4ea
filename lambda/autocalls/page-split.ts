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
 *
 * A caller that keeps each record's bytes and reads no transcripts (a part of a fetch) can have
 * the transcripts left undecoded (`deferTranscripts`): at 100k calls the decoded transcripts of
 * the pages waiting their turn were most of what survived into V8's old space (issue 19).
 */

import { fitsOneLine } from "../ports.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_U = 0x75;

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

/** How `decodePage` decodes the elements of `data`. */
export interface DecodeOptions {
  /**
   * Leave an element's top-level `transcript` string undecoded, read as null: its bytes are
   * still checked to be a JSON string, and are kept in the element's bytes. Not done for an
   * element whose bytes do not `fitsOneLine` (a part writes such a record from its decoded form).
   */
  deferTranscripts?: boolean;
}

/**
 * The page decoded as `JSON.parse` would, one element of `data` at a time, with each element's
 * bytes; null when the body does not split (see splitPage) or an element is not valid JSON.
 */
export function decodePage(
  bytes: Buffer,
  options: DecodeOptions = {},
): { page: Record<string, unknown>; elements: Buffer[] } | null {
  const split = splitPage(bytes);
  if (split === null) return null;
  const data = new Array<unknown>(split.data.length);
  for (let index = 0; index < data.length; index++) {
    const element = split.data[index] as Buffer;
    const value =
      (options.deferTranscripts ? parseWithoutTranscript(element) : null) ?? parseSlice(element, 0, element.length);
    if (value === null) return null;
    data[index] = value.value;
  }
  return { page: { ...split.fields, data }, elements: split.data };
}

/** `"transcript":"`: the key, compact, with its value's opening quote. */
const TRANSCRIPT_KEY = Buffer.from('"transcript":"');

/**
 * The element decoded with its top-level `transcript` string read as null; null (decode it
 * whole) when it has no such compact key at its top level, spans lines, or is not valid JSON.
 */
function parseWithoutTranscript(element: Buffer): { value: unknown } | null {
  if (!fitsOneLine(element)) return null;
  const key = element.indexOf(TRANSCRIPT_KEY);
  if (key === -1 || !isTopLevelKey(element, key)) return null;
  const open = key + TRANSCRIPT_KEY.length - 1;
  const end = skipString(element, open);
  if (end === -1 || !isJsonStringBody(element, open + 1, end - 1)) return null;
  try {
    return { value: JSON.parse(`${element.toString("utf8", 0, open)}null${element.toString("utf8", end)}`) };
  } catch {
    return null;
  }
}

/** Whether the key quoted at `key` is one of the object's own (depth 1, after `{` or `,`). */
function isTopLevelKey(bytes: Buffer, key: number): boolean {
  let depth = 0;
  let previous = -1;
  for (let at = 0; at < key; at++) {
    const byte = bytes[at] as number;
    if (byte === QUOTE) {
      const end = skipString(bytes, at);
      if (end === -1 || end > key) return false;
      at = end - 1;
      previous = QUOTE;
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
    if (!isSpace(byte)) previous = byte;
  }
  return depth === 1 && (previous === OPEN_BRACE || previous === COMMA);
}

/** The escapes JSON allows after a backslash, besides `u` and four hex digits. */
const SHORT_ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

const isHexDigit = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66));

/**
 * Whether `from … to` (between a string's quotes) is what `JSON.parse` accepts inside a string:
 * no control character, and every backslash a valid escape. One pass, four bytes at a time
 * through a word view: a word with neither a byte below 0x20 nor a backslash is skipped whole,
 * the others are read byte by byte (a byte loop over every transcript cost ~0.2 s at 100k calls;
 * a native `indexOf` per backslash, a transcript having a `\n` a line, ~0.04 s more).
 */
function isJsonStringBody(bytes: Buffer, from: number, to: number): boolean {
  // The word view covers the aligned bytes of the range: [base, wordsEnd).
  const base = from + ((4 - ((bytes.byteOffset + from) & 3)) & 3);
  const words = to > base ? (to - base) >> 2 : 0;
  const view = words > 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset + base, words) : null;
  let at = from;
  while (at < to) {
    if (view !== null && at >= base && ((at - base) & 3) === 0) {
      let word = (at - base) >> 2;
      for (; word < words; word++) {
        const value = view[word] as number;
        const backslashes = value ^ 0x5c5c5c5c;
        // Some byte is below 0x20 (bit-twiddling's `hasless(x, 0x20)`) or is a backslash (`haszero`).
        if ((((value - 0x20202020) & ~value) | ((backslashes - 0x01010101) & ~backslashes)) & 0x80808080) break;
      }
      at = base + word * 4;
      if (at >= to) break;
    }
    const byte = bytes[at] as number;
    if (byte < 0x20) return false;
    if (byte !== BACKSLASH) {
      at++;
      continue;
    }
    const escaped = bytes[at + 1];
    if (escaped === LOWER_U) {
      for (let digit = 2; digit < 6; digit++) if (!isHexDigit(bytes[at + digit])) return false;
      at += 6;
    } else if (escaped !== undefined && SHORT_ESCAPES.has(escaped)) at += 2;
    else return false;
  }
  return true;
}
