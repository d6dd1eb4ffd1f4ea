/**
 * A local SES (aws-ses-v2-local) for integration tests, started in-process on 127.0.0.1 on a
 * free port. Its store is module state shared by every emulator in the same test file, so
 * `clear()` between tests rather than starting several.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

/** One email as the emulator records it (`GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  /**
   * Addresses as parsed from the message headers, one string per header: several To
   * addresses of one raw message arrive joined, e.g. `["a@x.com, b@x.com"]`. Bcc is empty for
   * raw messages (it lives in the envelope only).
   */
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** `content` is base64. */
  attachments: { filename?: string; contentType: string; size: number; content: string }[];
  /** Epoch seconds. */
  at: number;
}

export interface SesEmulator {
  /** `http://127.0.0.1:PORT`, for `new SESClient({ endpoint })`. */
  endpoint: string;
  messages(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// The package is CommonJS with a `default` export; require() gives the exports object as is.
const require = createRequire(import.meta.url);
const { default: startServer } = require("aws-ses-v2-local") as { default: StartServer };

export async function startSesEmulator(): Promise<SesEmulator> {
  const server = await startServer({ host: "127.0.0.1", port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  const request = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${endpoint}${path}`, init);
    if (!response.ok) throw new Error(`SES emulator ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };

  return {
    endpoint,
    async messages() {
      const store = (await (await request("/store")).json()) as { emails: StoredEmail[] };
      return store.emails;
    },
    async clear() {
      await request("/clear-store", { method: "POST" });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The SDK keeps connections alive; close them or close() waits for their timeout.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
