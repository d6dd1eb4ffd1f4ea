import type { LambdaFunctionURLResult } from "aws-lambda";

/** Placeholder so the stack can bundle the link endpoint; the real handler replaces this file. */
export async function handler(): Promise<LambdaFunctionURLResult> {
  return { statusCode: 503, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Not ready yet.\n" };
}
