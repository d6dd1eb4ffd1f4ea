/**
 * Where a bench run's reports go: s3rver through the real S3 store (a named report under its own
 * folder), and a mailer that composes the real MIME messages and only counts them.
 */
import { composeMimeMessages } from "../../lambda/adapters/mime-message.js";
import { S3ReportStore } from "../../lambda/adapters/s3-store.js";
import type { Clock, Mailer } from "../../lambda/ports.js";
import { s3EmulatorClient } from "../../test/support/s3-emulator-client.js";

export function benchOutputs(args: { s3Endpoint: string; bucket: string; prefix: string }, clock: Clock) {
  const s3 = s3EmulatorClient(args.s3Endpoint);
  const email = { bytes: 0, messages: 0 };
  const mailer: Mailer = {
    prepare: composeMimeMessages,
    async send(message) {
      email.bytes += message.raw.length;
      email.messages++;
      return `bench-${email.messages}`;
    },
  };
  const store = (report?: string) =>
    new S3ReportStore({
      client: s3,
      bucket: args.bucket,
      prefix: args.prefix,
      ...(report === undefined ? {} : { report }),
      links: { baseUrl: "https://links.example.com/", signingKey: async () => "k".repeat(64), expiryDays: 30 },
      clock,
    });
  /** Closes the S3 client's sockets once the run is done. */
  const close = () => s3.destroy();
  return { store, mailer, email, close };
}
