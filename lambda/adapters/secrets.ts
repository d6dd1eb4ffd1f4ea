import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { TOKEN_PLACEHOLDER } from "../settings.js";

export class SecretError extends Error {
  override name = "SecretError";
}

// The stack writes it into a secret it creates; it lives with the other settings names.
export { TOKEN_PLACEHOLDER };

/**
 * The Autocalls API token from Secrets Manager, cached for a while across warm invocations
 * (one GetSecretValue per cold start and per TTL, not per report day). The value is never
 * logged and never put into an error message.
 */
export class ApiTokenSecret {
  private cached: { token: string; fetchedAt: number } | null = null;

  constructor(
    private readonly options: {
      client: SecretsManagerClient;
      secretId: string;
      ttlMs?: number;
      now?: () => number;
    },
  ) {}

  async token(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const ttlMs = this.options.ttlMs ?? 15 * 60_000;
    if (this.cached && now - this.cached.fetchedAt < ttlMs) return this.cached.token;

    let secretString: string | undefined;
    try {
      const response = await this.options.client.send(new GetSecretValueCommand({ SecretId: this.options.secretId }));
      secretString = response.SecretString;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new SecretError(
        `Could not read the API token secret "${this.options.secretId}" (${reason}) — check that it exists and the function may read it.`,
        { cause: error },
      );
    }
    const token = extractToken(secretString);
    if (!token || token === TOKEN_PLACEHOLDER) {
      throw new SecretError(
        `The API token secret "${this.options.secretId}" holds no token yet — store it with ` +
          `aws secretsmanager put-secret-value --secret-id ${this.options.secretId} --secret-string <token>.`,
      );
    }
    this.cached = { token, fetchedAt: now };
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
