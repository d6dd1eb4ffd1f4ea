import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export class LinkKeyError extends Error {
  override name = "LinkKeyError";
}

/** signLink refuses shorter keys; a shorter current key is a broken secret, not a key. */
const MIN_KEY_LENGTH = 32;

/**
 * The link signing keys the endpoint accepts: the secret's AWSCURRENT version, then its
 * AWSPREVIOUS one (absent until the first rotation), read with the SDK client rather than
 * Powertools Parameters because its cache keys on the secret id alone and would mix the two
 * stages. Cached for `maxAgeSeconds`; a refused signature re-reads them sooner (at most once
 * per `recheckAfterSeconds`), so that links signed just after a rotation work at once.
 * The values are never logged and never put into an error message.
 */
export class LinkSigningKeys {
  private cached: { keys: string[]; readAt: number } | null = null;
  private readonly maxAgeMs: number;
  private readonly recheckAfterMs: number;

  constructor(
    private readonly options: {
      client: SecretsManagerClient;
      secretId: string;
      maxAgeSeconds?: number;
      recheckAfterSeconds?: number;
      now?: () => number;
    },
  ) {
    this.maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
    this.recheckAfterMs = (options.recheckAfterSeconds ?? 60) * 1000;
  }

  /** Current key first, then the previous one when there is one. */
  async accepted(): Promise<string[]> {
    const now = this.now();
    if (this.cached && now - this.cached.readAt < this.maxAgeMs) return this.cached.keys;
    return this.read(now);
  }

  /** Keys read again if the cached ones are older than the recheck interval; null when they are not. */
  async reread(): Promise<string[] | null> {
    const now = this.now();
    if (this.cached && now - this.cached.readAt < this.recheckAfterMs) return null;
    return this.read(now);
  }

  private async read(now: number): Promise<string[]> {
    const read = await Promise.allSettled([this.version("AWSCURRENT"), this.version("AWSPREVIOUS")]);
    // The current version's failure says the most; the previous one's only matters when current was read.
    const failed = read.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    const [current = null, previous = null] = read.map((result) =>
      result.status === "fulfilled" ? result.value : null,
    );
    if (current === null || current.length < MIN_KEY_LENGTH) {
      throw new LinkKeyError(
        `The link signing key secret "${this.options.secretId}" holds no key of at least ${MIN_KEY_LENGTH} characters — ` +
          "store a random one: aws secretsmanager put-secret-value --secret-id " +
          `${this.options.secretId} --secret-string "$(aws secretsmanager get-random-password --password-length 64 ` +
          '--exclude-punctuation --query RandomPassword --output text)".',
      );
    }
    const keys =
      previous !== null && previous.length >= MIN_KEY_LENGTH && previous !== current ? [current, previous] : [current];
    this.cached = { keys, readAt: now };
    return keys;
  }

  private async version(stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<string | null> {
    try {
      const answer = await this.options.client.send(
        new GetSecretValueCommand({ SecretId: this.options.secretId, VersionStage: stage }),
      );
      return answer.SecretString ?? null;
    } catch (error) {
      // Before the first rotation there is no AWSPREVIOUS version: Secrets Manager says ResourceNotFound.
      if (stage === "AWSPREVIOUS" && (error as Error).name === "ResourceNotFoundException") return null;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new LinkKeyError(
        `Could not read the link signing key secret "${this.options.secretId}" (${stage}; ${reason}) — check that it exists and the function may read it.`,
        { cause: error },
      );
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}
