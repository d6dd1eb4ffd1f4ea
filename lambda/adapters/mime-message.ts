/**
 * The report email as MIME messages ready for SES `SendRawEmail` (or an `.eml` file). Shared
 * by both mail adapters, so a local run writes what SES would send. nodemailer's MailComposer
 * builds and encodes every part — headers, the HTML/text alternative, the workbook — so
 * header folding, encoded words and base64 are never written by hand here.
 */

import addressparser from "nodemailer/lib/addressparser";
import MailComposer from "nodemailer/lib/mail-composer";
import { z } from "zod";
import type { ComposedEmail, PrepareEmailOptions, RawEmail } from "../ports.js";
import type { RenderedEmail } from "../report/email.js";
import type { EmailRecipients, RecipientSettingNames, ReportEmail } from "../report/email-content.js";

/** SES refuses a `SendRawEmail` message over 10 MB, measured on the encoded message. */
export const DEFAULT_MAX_RAW_BYTES = 10 * 1024 * 1024;
/** SES accepts at most 50 destinations (To, Cc and Bcc together) per message. */
export const MAX_RECIPIENTS_PER_MESSAGE = 50;

export const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

type RecipientField = keyof EmailRecipients;

export class EmailAddressError extends Error {
  override name = "EmailAddressError";
  constructor(
    message: string,
    readonly field: RecipientField,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class EmailTooLargeError extends Error {
  override name = "EmailTooLargeError";
}

interface Mailbox {
  name: string;
  address: string;
}

const emailAddress = z.email();

/** One mailbox (`a@b.com` or `Name <a@b.com>`), or an EmailAddressError naming the setting to fix. */
function parseMailbox(value: string, field: RecipientField, settings: RecipientSettingNames): Mailbox {
  const setting = settings[field];
  const fail = (why: string) =>
    new EmailAddressError(
      `The ${field} address "${value}" ${why} — correct ${setting} (one plain address per entry, comma-separated) and run again.`,
      field,
    );
  // A line break in an address would end the header it is written into.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw fail("contains a control character");
  const parsed = addressparser(value);
  const [first] = parsed;
  if (parsed.length !== 1 || !first || first.group !== undefined) throw fail("is not exactly one email address");
  if (!emailAddress.safeParse(first.address).success) throw fail("is not an email address");
  return { name: first.name, address: first.address };
}

interface Recipient extends Mailbox {
  field: "to" | "cc" | "bcc";
}

/**
 * Every recipient once (the first field wins: to, then cc, then bcc), in configuration order,
 * so that a retried run cuts the same batches and the delivered-batch record stays valid.
 */
function uniqueRecipients(recipients: EmailRecipients, settings: RecipientSettingNames): Recipient[] {
  const seen = new Set<string>();
  const result: Recipient[] = [];
  for (const field of ["to", "cc", "bcc"] as const) {
    for (const value of recipients[field]) {
      const mailbox = parseMailbox(value, field, settings);
      const key = mailbox.address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      result.push({ ...mailbox, field });
    }
  }
  if (result.length === 0) {
    throw new EmailAddressError(
      `The email has no recipients — set at least one address in ${settings.to} and run again.`,
      "to",
    );
  }
  return result;
}

function batches<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

async function buildMessage(
  from: Mailbox,
  batch: Recipient[],
  content: RenderedEmail,
  attachment: { fileName: string; content: Buffer } | null,
  sentAt: Date | undefined,
): Promise<RawEmail> {
  const to = batch.filter((r) => r.field === "to");
  const cc = batch.filter((r) => r.field === "cc");
  const composer = new MailComposer({
    from,
    // A batch of only Bcc recipients still gets a To header, as RFC 5322 §3.6.3 suggests.
    to: to.length > 0 ? to : "undisclosed-recipients:;",
    ...(cc.length > 0 ? { cc } : {}),
    // Bcc recipients are envelope destinations only; they never appear in a header.
    subject: content.subject,
    ...(sentAt ? { date: sentAt } : {}),
    text: content.text,
    html: content.html,
    headers: {
      // RFC 3834: a machine wrote this; out-of-office replies should stay away.
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "All",
    },
    attachments: attachment
      ? [{ filename: attachment.fileName, content: attachment.content, contentType: XLSX_CONTENT_TYPE }]
      : [],
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: "\r\n",
  });
  const raw = await composer.compile().build();
  return { raw, from: from.address, destinations: batch.map((r) => r.address) };
}

/**
 * Builds one MIME message per batch of at most 50 recipients — the same batches for the same
 * recipients, which the delivered-batch record relies on. The workbook is attached when
 * wanted, available and small enough that every encoded message stays within `maxRawBytes`;
 * otherwise the link-only content goes, which says why.
 */
export async function composeMimeMessages(email: ReportEmail, options: PrepareEmailOptions): Promise<ComposedEmail> {
  // Addresses first: a typo in the configuration must fail before anything is built or sent.
  const from = parseMailbox(email.recipients.from, "from", options.settingNames);
  const recipients = uniqueRecipients(email.recipients, options.settingNames);
  const recipientBatches = batches(recipients, MAX_RECIPIENTS_PER_MESSAGE);
  const maxRawBytes = options.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES;

  const compose = async (content: RenderedEmail, attachment: { fileName: string; content: Buffer } | null) => {
    const messages: RawEmail[] = [];
    for (const batch of recipientBatches)
      messages.push(await buildMessage(from, batch, content, attachment, options.sentAt));
    return { ...content, attached: attachment !== null, messages };
  };
  const fits = (composed: ComposedEmail) => composed.messages.every((message) => message.raw.length <= maxRawBytes);

  if (email.withAttachment && options.workbook) {
    const attachment = { fileName: email.withAttachment.attachmentFileName, content: options.workbook };
    const withAttachment = await compose(email.withAttachment.content, attachment);
    if (fits(withAttachment)) return withAttachment;
  }
  const linkOnly = await compose(email.linkOnly, null);
  if (!fits(linkOnly)) {
    const largest = Math.max(...linkOnly.messages.map((message) => message.raw.length));
    throw new EmailTooLargeError(
      `The report email is ${largest} bytes without the workbook, over the ${maxRawBytes}-byte limit — ` +
        "this should not happen; report it with the summary JSON of the day.",
    );
  }
  return linkOnly;
}
