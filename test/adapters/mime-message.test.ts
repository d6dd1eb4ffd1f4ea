import { type AddressObject, simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import {
  EmailAddressError,
  MAX_RECIPIENTS_PER_MESSAGE,
  XLSX_CONTENT_TYPE,
} from "../../lambda/adapters/mime-message.js";
import { composeInput, composeReportEmail, groupStats, summaryFixture } from "../support/email-fixtures.js";

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.map((a) => a.address ?? ""));

const recipientsOf = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}@example.com`);

async function composeOne(overrides: Parameters<typeof composeInput>[0] = {}) {
  const email = await composeReportEmail(composeInput(overrides));
  const [message] = email.messages;
  if (!message) throw new Error("no message composed");
  return { email, message, parsed: await simpleParser(message.raw) };
}

describe("the MIME message", () => {
  it("carries the rendered subject, the sender and the recipients", async () => {
    const { email, parsed } = await composeOne();
    expect(parsed.subject).toBe(email.subject);
    expect(parsed.subject).toBe("Calls report — Mon 4 Aug 2025 — 1,234 calls · 41 h talk · $312.40");
    expect(addresses(parsed.from)).toEqual(["reports@example.com"]);
    expect(addresses(parsed.to)).toEqual(["boss@example.com"]);
  });

  it("has a plain-text and an HTML part with the same content the renderer produced", async () => {
    const { email, parsed } = await composeOne();
    expect(parsed.text?.trim()).toBe(email.text.trim());
    expect(parsed.html).toContain("<h1");
    expect(parsed.html).toContain("Sales Assistant");
  });

  it("attaches the workbook byte for byte with the spreadsheet content type", async () => {
    const content = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256));
    const { email, parsed } = await composeOne({ workbook: { fileName: "calls-report-2025-08-04.xlsx", content } });
    expect(email.attached).toBe(true);
    expect(parsed.attachments).toHaveLength(1);
    const [attachment] = parsed.attachments;
    expect(attachment?.filename).toBe("calls-report-2025-08-04.xlsx");
    expect(attachment?.contentType).toBe(XLSX_CONTENT_TYPE);
    expect(attachment?.content.equals(content)).toBe(true);
  });

  it("asks auto-responders to stay quiet", async () => {
    const { parsed } = await composeOne();
    expect(parsed.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("gives SES the bare sender address as the envelope source", async () => {
    const { message, parsed } = await composeOne({
      recipients: { from: "Calls Report <reports@example.com>", to: ["boss@example.com"], cc: [], bcc: [] },
    });
    expect(message.from).toBe("reports@example.com");
    expect((parsed.from as AddressObject).value[0]?.name).toBe("Calls Report");
  });
});

describe("data in headers", () => {
  it("cannot inject a header through the environment name in the subject", async () => {
    const { parsed, message } = await composeOne({ environment: "dev\r\nBcc: evil@example.com" });
    expect(parsed.subject).toBe(
      "[dev Bcc: evil@example.com] Calls report — Mon 4 Aug 2025 — 1,234 calls · 41 h talk · $312.40",
    );
    expect(parsed.headers.has("bcc")).toBe(false);
    expect(message.destinations).toEqual(["boss@example.com"]);
  });

  it("cannot inject a header through the attachment's file name", async () => {
    const { parsed } = await composeOne({
      workbook: { fileName: "report\r\nX-Injected: yes.xlsx", content: Buffer.from("xlsx") },
    });
    expect(parsed.headers.has("x-injected")).toBe(false);
    expect(parsed.attachments[0]?.headers.has("x-injected")).toBe(false);
  });

  it("keeps CR/LF and <script> in assistant names inside the escaped body", async () => {
    const summary = summaryFixture({
      assistants: [groupStats("Evil\r\nX-Injected: yes", 5), groupStats("<script>alert(1)</script>", 4)],
    });
    const { parsed } = await composeOne({ summary });
    expect(parsed.headers.has("x-injected")).toBe(false);
    expect(parsed.html).not.toContain("<script>");
    expect(parsed.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(parsed.text).toContain("Evil X-Injected: yes: 5 calls");
  });
});

describe("attaching or linking the workbook", () => {
  const bigWorkbook = Buffer.alloc(300_000, 7);

  it("sends the link only when the attachment would push the message over the limit", async () => {
    const { email, parsed } = await composeOne({
      workbook: { fileName: "calls-report-2025-08-04.xlsx", content: bigWorkbook },
      maxRawBytes: 200_000,
    });
    expect(email.attached).toBe(false);
    expect(parsed.attachments).toHaveLength(0);
    expect(parsed.text).toContain("It is too large to attach to this email.");
    expect(parsed.text).toContain("https://reports.example.com/calls-report-2025-08-04.xlsx?X-Amz-Signature=abc");
  });

  it("attaches the same workbook when the limit allows it", async () => {
    const { email } = await composeOne({
      workbook: { fileName: "calls-report-2025-08-04.xlsx", content: bigWorkbook },
      maxRawBytes: 500_000,
    });
    expect(email.attached).toBe(true);
    expect(email.messages[0]?.raw.length).toBeLessThanOrEqual(500_000);
  });

  it("does not attach when attachments are turned off", async () => {
    const { email, parsed } = await composeOne({ attachWorkbook: false });
    expect(email.attached).toBe(false);
    expect(parsed.attachments).toHaveLength(0);
  });

  it("links only when the pipeline did not keep the workbook's bytes", async () => {
    const { email, parsed } = await composeOne({
      workbook: { fileName: "calls-report-2025-08-04.xlsx", content: null },
    });
    expect(email.attached).toBe(false);
    expect(parsed.text).toContain("Download calls-report-2025-08-04.xlsx with the link below.");
  });
});

describe("recipients", () => {
  it("splits 120 recipients into 3 messages of at most 50, each recipient exactly once", async () => {
    const to = recipientsOf("to", 70);
    const cc = recipientsOf("cc", 30);
    const bcc = recipientsOf("bcc", 20);
    const email = await composeReportEmail(composeInput({ recipients: { from: "reports@example.com", to, cc, bcc } }));
    expect(email.messages).toHaveLength(3);
    for (const message of email.messages) {
      expect(message.destinations.length).toBeLessThanOrEqual(MAX_RECIPIENTS_PER_MESSAGE);
    }
    const all = email.messages.flatMap((message) => message.destinations);
    expect(all).toHaveLength(120);
    expect(new Set(all)).toEqual(new Set([...to, ...cc, ...bcc]));
  });

  it("addresses each batch's headers to that batch's To and Cc recipients only", async () => {
    const to = recipientsOf("to", 60);
    const email = await composeReportEmail(
      composeInput({ recipients: { from: "reports@example.com", to, cc: [], bcc: [] } }),
    );
    const second = await simpleParser(email.messages[1]?.raw ?? Buffer.alloc(0));
    expect(addresses(second.to)).toEqual(to.slice(50));
  });

  it("never writes Bcc recipients into a header", async () => {
    const email = await composeReportEmail(
      composeInput({
        recipients: { from: "reports@example.com", to: ["boss@example.com"], cc: [], bcc: ["secret@example.com"] },
      }),
    );
    const [message] = email.messages;
    expect(message?.destinations).toEqual(["boss@example.com", "secret@example.com"]);
    expect(message?.raw.toString("utf8")).not.toContain("secret@example.com");
  });

  it("addresses a batch of only Bcc recipients to undisclosed recipients", async () => {
    const bcc = recipientsOf("bcc", 51);
    const email = await composeReportEmail(
      composeInput({ recipients: { from: "reports@example.com", to: ["boss@example.com"], cc: [], bcc } }),
    );
    const last = email.messages[1];
    expect(last?.destinations).toEqual(["bcc50@example.com", "bcc51@example.com"]);
    const parsed = await simpleParser(last?.raw ?? Buffer.alloc(0));
    expect((parsed.to as AddressObject).text).toContain("undisclosed-recipients");
    expect(last?.raw.toString("utf8")).not.toContain("bcc5");
  });

  it("sends once to an address listed in both To and Cc", async () => {
    const email = await composeReportEmail(
      composeInput({
        recipients: { from: "reports@example.com", to: ["boss@example.com"], cc: ["BOSS@example.com"], bcc: [] },
      }),
    );
    expect(email.messages[0]?.destinations).toEqual(["boss@example.com"]);
  });

  it("rejects a bad address before building anything, naming it and the setting", async () => {
    const input = composeInput({
      recipients: { from: "reports@example.com", to: ["boss@example.com", "not-an-address"], cc: [], bcc: [] },
    });
    const error = await composeReportEmail(input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmailAddressError);
    expect((error as EmailAddressError).message).toContain('"not-an-address"');
    expect((error as EmailAddressError).message).toContain("MAIL_TO");
  });

  it("rejects a sender address with a line break", async () => {
    const input = composeInput({
      recipients: { from: "reports@example.com\r\nBcc: evil@example.com", to: ["boss@example.com"], cc: [], bcc: [] },
    });
    await expect(composeReportEmail(input)).rejects.toThrow(/MAIL_FROM/);
  });

  it("rejects an email without recipients", async () => {
    const input = composeInput({ recipients: { from: "reports@example.com", to: [], cc: [], bcc: [] } });
    await expect(composeReportEmail(input)).rejects.toBeInstanceOf(EmailAddressError);
  });
});
