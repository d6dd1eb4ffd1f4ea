import { GetParameterError } from "@aws-lambda-powertools/parameters/errors";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { TOKEN_PLACEHOLDER } from "../settings.js";

export class SecretError extends Error {
  override name = "SecretError";
  /** Secrets Manager was unreachable, throttled or failing: trying again later may work. */
  readonly passing: boolean;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    const cause = options.cause as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    const status = cause?.$metadata?.httpStatusCode;
    this.passing =
      cause !== undefined &&
      (status === undefined
        ? cause.name !== undefined
        : status >= 500 || /Throttl|TooManyRequests/.test(cause.name ?? ""));
  }
}

/**
 * The Autocalls API token from Secrets Manager, cached across warm invocations by Powertools
 * Parameters (one GetSecretValue per cold start and per `maxAgeSeconds`, not per report day).
 * The value is never logged and never put into an error message.
 */
export class ApiTokenSecret {
  private readonly provider: SecretsProvider;
  private readonly secretId: string;
  private readonly maxAgeSeconds: number;

  constructor(options: {
    client: SecretsManagerClient;
    secretId: string;
    /** How long a read token is reused; whole seconds, as Powertools counts them. */
    maxAgeSeconds?: number;
  }) {
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client });
    this.secretId = options.secretId;
    this.maxAgeSeconds = options.maxAgeSeconds ?? 15 * 60;
  }

  async token(): Promise<string> {
    let secret: string | Uint8Array | undefined;
    try {
      secret = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      // Powertools wraps the SDK's error; the SDK's own name (AccessDeniedException…) says what to fix.
      const cause = error instanceof GetParameterError && error.cause !== undefined ? error.cause : error;
      const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw new SecretError(
        `Could not read the API token secret "${this.secretId}" (${reason}) — check that it exists and the function may read it.`,
        { cause },
      );
    }
    const token = typeof secret === "string" ? extractToken(secret) : null;
    if (!token || token === TOKEN_PLACEHOLDER) {
      // Powertools cached what it read: a warm function would refuse for maxAge after the token is stored.
      this.provider.clearCache();
      throw new SecretError(
        `The API token secret "${this.secretId}" holds no token yet — store it with ` +
          `aws secretsmanager put-secret-value --secret-id ${this.secretId} --secret-string <token>.`,
      );
    }
    return token;
  }
}

/** Accepts the bare token or a JSON object `{ "token": "…" }` (what the console's key/value editor writes). */
function extractToken(secretString: string | undefined): string | null {
  const value = secretString?.trim();
  if (!value) return null;
  if (value.startsWith("{")) {
    try {
      const parsed = JSON.parse(value) as Record<string, unknown>;
      const token = parsed.token ?? parsed.apiToken ?? parsed.AUTOCALLS_API_TOKEN;
      return typeof token === "string" && token.trim() ? token.trim() : null;
    } catch {
      return null;
    }
  }
  return value;
}
