import { Agent, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SESClient } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SesMailer, SesSendError } from "../../lambda/adapters/ses-mailer.js";
import type { ComposedEmail } from "../../lambda/ports.js";
import { composeInput, composeReportEmail } from "../support/email-fixtures.js";
import { closedPortEndpoint } from "../support/faulty-endpoints.js";
import { type SesEmulator, startSesEmulator } from "../support/ses-emulator.js";

function sesClient(endpoint: string): SESClient {
  // One SDK attempt per call, so the retries under test are the adapter's own.
  return new SESClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

const context = (email: ComposedEmail, batchIndex = 0) => ({ date: "2025-08-04", email, batchIndex });

describe("sending through a local SES (aws-ses-v2-local)", () => {
  let emulator: SesEmulator;
  let client: SESClient;

  beforeAll(async () => {
    emulator = await startSesEmulator();
    client = sesClient(emulator.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });
  beforeEach(() => emulator.clear());

  it("delivers the raw message: subject, sender, recipients and the attached workbook", async () => {
    const workbook = Buffer.from("PK\u0003\u0004 a real enough workbook");
    const email = await composeReportEmail(
      composeInput({
        workbook: { fileName: "calls-report-2025-08-04.xlsx", content: workbook },
        recipients: {
          from: "reports@example.com",
          to: ["boss@example.com", "ops@example.com"],
          cc: [],
          bcc: ["audit@example.com"],
        },
      }),
    );
    const [message] = email.messages;
    if (!message) throw new Error("no message composed");

    const messageId = await new SesMailer({ client }).send(message, context(email));

    const [stored, ...others] = await emulator.messages();
    expect(others).toEqual([]);
    expect(stored?.messageId).toBe(messageId);
    expect(stored?.subject).toBe(email.subject);
    expect(stored?.from).toBe("reports@example.com");
    // The emulator keeps one string per header: both To addresses arrive joined.
    expect(stored?.destination.to).toEqual(["boss@example.com, ops@example.com"]);
    expect(stored?.destination.bcc).toEqual([]);
    expect(stored?.body.html).toContain("Sales Assistant");
    expect(stored?.attachments.map((a) => a.filename)).toEqual(["calls-report-2025-08-04.xlsx"]);
    expect(Buffer.from(stored?.attachments[0]?.content ?? "", "base64").equals(workbook)).toBe(true);
  });

  it("sends one message per batch of recipients", async () => {
    const to = Array.from({ length: 60 }, (_, i) => `manager${i}@example.com`);
    const email = await composeReportEmail(
      composeInput({ recipients: { from: "reports@example.com", to, cc: [], bcc: [] } }),
    );
    const mailer = new SesMailer({ client });
    for (const [batchIndex, message] of email.messages.entries())
      await mailer.send(message, context(email, batchIndex));

    const stored = await emulator.messages();
    expect(stored).toHaveLength(2);
    expect(stored.map((m) => m.subject)).toEqual([email.subject, email.subject]);
  });
});

/** A stand-in SES endpoint that answers from a script: faults the emulator cannot produce. */
interface ScriptedReply {
  status: number;
  body: string;
}

const sesError = (code: string, message: string, type = "Sender") =>
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`;
const sesSuccess = (messageId: string) =>
  `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>${messageId}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></SendRawEmailResponse>`;

const THROTTLED: ScriptedReply = { status: 400, body: sesError("Throttling", "Maximum sending rate exceeded.") };
const UNAVAILABLE: ScriptedReply = {
  status: 503,
  body: sesError("ServiceUnavailable", "Service is unavailable.", "Receiver"),
};
const REJECTED_SANDBOX: ScriptedReply = {
  status: 400,
  body: sesError(
    "MessageRejected",
    "Email address is not verified. The following identities failed the check in region US-EAST-1: reports@example.com",
  ),
};

describe("SES refusals", () => {
  let server: Server;
  let client: SESClient;
  let script: ScriptedReply[] = [];
  let requests = 0;
  let email: ComposedEmail;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        requests++;
        const reply = script.shift() ?? { status: 200, body: sesSuccess(`message-${requests}`) };
        response.writeHead(reply.status, { "content-type": "text/xml" }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = sesClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    email = await composeReportEmail(composeInput());
  });
  afterAll(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    requests = 0;
  });

  const send = (options: { maxAttempts?: number; delays?: number[] } = {}) => {
    const delays = options.delays ?? [];
    const mailer = new SesMailer({
      client,
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const [message] = email.messages;
    if (!message) throw new Error("no message composed");
    return mailer.send(message, context(email));
  };

  it("waits and retries when SES throttles, then returns the message id", async () => {
    script = [THROTTLED];
    const delays: number[] = [];
    await expect(send({ delays })).resolves.toBe("message-2");
    expect(requests).toBe(2);
    expect(delays).toHaveLength(1);
  });

  it("retries a 5xx from SES", async () => {
    script = [UNAVAILABLE];
    await expect(send()).resolves.toBe("message-2");
  });

  it("backs off exponentially with jitter, capped, and gives up after the last attempt", async () => {
    script = [THROTTLED, THROTTLED, THROTTLED, THROTTLED];
    const delays: number[] = [];
    const error = await send({ maxAttempts: 4, delays }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SesSendError);
    expect((error as SesSendError).message).toMatch(/after 4 attempts .*sending-rate quota/);
    expect(requests).toBe(4);
    // random() = 0.5 takes 75% of the capped delay: 100, 200, then the 300 cap.
    expect(delays).toEqual([75, 150, 225]);
  });

  it("does not retry a rejected message and says to verify the sender or leave the sandbox", async () => {
    script = [REJECTED_SANDBOX];
    const error = await send().catch((caught: unknown) => caught);
    expect(requests).toBe(1);
    expect(error).toBeInstanceOf(SesSendError);
    expect((error as SesSendError).code).toBe("MessageRejected");
    expect((error as SesSendError).message).toContain("verify the sender identity");
    expect((error as SesSendError).message).toContain("production access");
  });
});

describe("SES out of reach", () => {
  let email: ComposedEmail;

  beforeAll(async () => {
    email = await composeReportEmail(composeInput());
  });

  const sendThrough = async (client: SESClient) => {
    const [message] = email.messages;
    if (!message) throw new Error("no message composed");
    try {
      return await new SesMailer({ client, sleep: async () => {} })
        .send(message, context(email))
        .catch((caught: unknown) => caught);
    } finally {
      client.destroy();
    }
  };

  it("reports a refused connection as a definite failure: nothing was sent", async () => {
    const error = await sendThrough(sesClient(await closedPortEndpoint()));
    expect(error).toBeInstanceOf(SesSendError);
    expect(error).toMatchObject({ code: "ECONNREFUSED", deliveryUnknown: false });
    expect((error as SesSendError).message).toMatch(/Could not reach SES .*nothing was sent; check the network/);
  });

  it("reports a failed DNS lookup as a definite failure: nothing was sent", async () => {
    // No server can make a name unresolvable offline; the agent's lookup fails as getaddrinfo does.
    const lookup = (hostname: string, _options: unknown, callback: (error: Error) => void) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }));
    const client = new SESClient({
      endpoint: "http://email.example.invalid",
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ lookup } as never) },
    });
    const error = await sendThrough(client);
    expect(error).toMatchObject({ code: "ENOTFOUND", deliveryUnknown: false });
  });
});
