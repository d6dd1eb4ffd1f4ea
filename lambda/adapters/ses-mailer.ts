/**
 * Sends report emails through SES `SendRawEmail`. Thin: the shared MIME module builds the
 * messages; this adapter only hands them over, waits out throttling, and turns SES's refusals into
 * errors that say what to fix.
 */
import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { backoffDelayMs, sleep } from "../backoff.js";
import type { ComposedEmail, Mailer, PrepareEmailOptions, RawEmail } from "../ports.js";
import type { ReportEmail } from "../report/email-content.js";
import { composeMimeMessages } from "./mime-message.js";

export interface SesMailerOptions {
  /**
   * Best created with `maxAttempts: 1`: the SDK's quick retries (~100 ms apart) tend to land
   * inside the same one-second sending-rate window, so this adapter owns the waiting.
   */
  client: SESClient;
  /** Attempts per message, the first included. */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt up to `maxDelayMs` (lambda/backoff.ts). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

export class SesSendError extends Error {
  override name = "SesSendError";
  constructor(
    message: string,
    /** SES's error name, e.g. `MessageRejected`, `Throttling`. */
    readonly code: string,
    options?: ErrorOptions & {
      /** True when no answer came back: SES may have accepted the message. */
      deliveryUnknown?: boolean;
    },
  ) {
    super(message, options);
    this.deliveryUnknown = options?.deliveryUnknown ?? false;
  }

  readonly deliveryUnknown: boolean;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  /** Node's system error code on a network failure, e.g. `ECONNREFUSED`. */
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

function asSdkError(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? (error as SdkErrorShape) : {};
}

/**
 * Network failures that happen before a connection exists: SES never saw the request, so
 * nothing was sent. Anything later (a timeout, a reset) may come after SES accepted it.
 */
const NOT_CONNECTED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * Worth another attempt: SES said "slow down" or failed on its side. A network error is not
 * retried — the message may have been accepted, and a second copy is worse than a report of
 * an email in doubt.
 */
function isRetryable(error: SdkErrorShape): boolean {
  const status = error.$metadata?.httpStatusCode ?? 0;
  return (
    error.name === "Throttling" ||
    error.name === "ThrottlingException" ||
    /maximum sending rate exceeded/i.test(error.message ?? "") ||
    status >= 500
  );
}

/** What the person on call should do about a refusal, by SES error name. */
function remedy(error: SdkErrorShape): string {
  const name = (error.name ?? "").replace(/Exception$/, "");
  const message = error.message ?? "";
  switch (name) {
    case "MessageRejected":
      if (/not verified/i.test(message)) {
        return (
          "verify the sender identity (MAIL_FROM's address or its domain) in SES in this region; while the account " +
          "is in the SES sandbox every recipient must be verified too — or request production access to leave the sandbox"
        );
      }
      return "check the sender and recipient addresses and the message size (SES limit 10 MB)";
    case "MailFromDomainNotVerified":
      return "finish verifying the custom MAIL FROM domain of the sender identity in SES (its MX and SPF records)";
    case "FromEmailAddressNotVerified":
      return "verify the sender identity (MAIL_FROM) in SES in this region";
    case "ConfigurationSetDoesNotExist":
      return "create the SES configuration set the identity uses, or remove it from the identity";
    case "ConfigurationSetSendingPaused":
    case "AccountSendingPaused":
      return "sending is paused for this SES account or configuration set — check the SES reputation dashboard and resume sending";
    case "AccessDenied":
    case "AccessDeniedException":
      return "grant the function's role ses:SendRawEmail on the sender identity";
    default:
      return "see the SES error above; nothing was sent for this batch";
  }
}

export class SesMailer implements Mailer {
  private readonly client: SESClient;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: SesMailerOptions) {
    this.client = options.client;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
  }

  prepare(email: ReportEmail, options: PrepareEmailOptions): Promise<ComposedEmail> {
    return composeMimeMessages(email, options);
  }

  async send(message: RawEmail, context: { date: string; email: ComposedEmail; batchIndex: number }): Promise<string> {
    const what = `the ${context.date} report email (batch ${context.batchIndex + 1} of ${context.email.messages.length}, ${message.destinations.length} recipients)`;
    const command = new SendRawEmailCommand({
      Source: message.from,
      Destinations: message.destinations,
      RawMessage: { Data: message.raw },
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const output = await this.client.send(command);
        if (!output.MessageId) {
          throw new SesSendError(`SES accepted ${what} but returned no message id.`, "MissingMessageId");
        }
        return output.MessageId;
      } catch (caught) {
        if (caught instanceof SesSendError) throw caught;
        const error = asSdkError(caught);
        const code = error.name ?? "Unknown";
        if (error.code !== undefined && NOT_CONNECTED_CODES.has(error.code)) {
          throw new SesSendError(
            `Could not reach SES for ${what} (${error.code}: ${error.message ?? ""}) — nothing was sent; ` +
              "check the network and the SES endpoint of this region, then re-run the day.",
            error.code,
            { cause: caught },
          );
        }
        if (
          error.$metadata?.httpStatusCode === undefined &&
          !(caught instanceof Error && caught.name.includes("Throttl"))
        ) {
          throw new SesSendError(
            `No answer from SES for ${what} (${code}: ${error.message ?? ""}) — it may or may not have been sent; ` +
              "check with a recipient before re-sending with force.",
            code,
            { cause: caught, deliveryUnknown: true },
          );
        }
        if (!isRetryable(error)) {
          throw new SesSendError(`SES refused ${what}: ${code}: ${error.message ?? ""} — ${remedy(error)}.`, code, {
            cause: caught,
          });
        }
        if (attempt >= this.maxAttempts) {
          throw new SesSendError(
            `SES kept refusing ${what} after ${attempt} attempts (${code}: ${error.message ?? ""}) — ` +
              "if it is throttling, raise the SES sending-rate quota or send fewer emails at once; otherwise retry later.",
            code,
            { cause: caught },
          );
        }
        await this.sleep(
          backoffDelayMs(attempt - 1, { baseMs: this.baseDelayMs, capMs: this.maxDelayMs, random: this.random }),
        );
      }
    }
  }
}
