import { Transform, type TransformOptions } from "node:stream";

/**
 * A pass-through that counts the bytes on their way into an upload. Counting in the stream,
 * not with a "data" listener, which would race lib-storage's own reader.
 */
export function countingStream(options: TransformOptions = {}): { stream: Transform; bytes(): number } {
  let bytes = 0;
  const stream = new Transform({
    ...options,
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, bytes: () => bytes };
}
