import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Emulator, startS3Emulator } from "./s3-emulator.js";

/**
 * s3rver ignores `If-None-Match` and `If-Match`; the proxy in front of it answers them as S3
 * does. The exactly-once email guard is tested against this, so it is tested itself.
 */
let emulator: S3Emulator;

beforeAll(async () => {
  emulator = await startS3Emulator("proxy-test");
});
afterAll(async () => {
  await emulator.close();
});

const put = (key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) =>
  emulator.client().send(new PutObjectCommand({ Bucket: emulator.bucket, Key: key, Body: body, ...condition }));
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "written",
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
      `${error.$metadata?.httpStatusCode} ${error.name}`,
  );
const read = async (key: string) =>
  (await emulator.client().send(new GetObjectCommand({ Bucket: emulator.bucket, Key: key }))).Body?.transformToString();

describe("the S3 emulator's conditional PUTs", () => {
  it("creates a key with If-None-Match: * and refuses it with 412 once the key exists", async () => {
    expect(await refusal(put("none-match", "first", { IfNoneMatch: "*" }))).toBe("written");
    expect(await refusal(put("none-match", "second", { IfNoneMatch: "*" }))).toBe("412 PreconditionFailed");
    expect(await read("none-match")).toBe("first");
  });

  it("refuses If-None-Match: * on a key written without a condition", async () => {
    await put("plain", "first");
    expect(await refusal(put("plain", "second", { IfNoneMatch: "*" }))).toBe("412 PreconditionFailed");
  });

  it("creates a deleted key again with If-None-Match: *", async () => {
    await put("deleted", "first");
    await emulator.client().send(new DeleteObjectCommand({ Bucket: emulator.bucket, Key: "deleted" }));
    expect(await refusal(put("deleted", "second", { IfNoneMatch: "*" }))).toBe("written");
  });

  it("overwrites with If-Match on the current ETag and refuses a stale one with 412", async () => {
    const { ETag: first } = await put("match", "first");
    const { ETag: second } = await put("match", "second", { IfMatch: first ?? "" });
    expect(second).not.toBe(first);
    expect(await refusal(put("match", "third", { IfMatch: first ?? "" }))).toBe("412 PreconditionFailed");
    expect(await read("match")).toBe("second");
  });

  it("answers If-Match on a missing key with 404 NoSuchKey and writes nothing", async () => {
    expect(await refusal(put("missing", "body", { IfMatch: '"0123456789abcdef0123456789abcdef"' }))).toBe(
      "404 NoSuchKey",
    );
    expect(await refusal(read("missing"))).toBe("404 NoSuchKey");
  });
});
