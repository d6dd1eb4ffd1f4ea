import { S3Client } from "@aws-sdk/client-s3";

/**
 * An SDK client for the local S3 emulator (s3rver): path style, its fixed credentials, and
 * no flexible checksums — with them s3rver stores a stream body with its aws-chunked framing.
 * Kept apart from the emulator itself so benchmark workers can use it without loading s3rver.
 */
export function s3EmulatorClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
