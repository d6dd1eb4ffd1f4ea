import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiTokenSecret, SecretError } from "../../lambda/adapters/secrets.js";
import { TOKEN_PLACEHOLDER } from "../../lambda/settings.js";
import { type SecretsEmulator, startSecretsEmulator } from "../support/secrets-emulator.js";

let emulator: SecretsEmulator;
let client: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startSecretsEmulator();
  client = new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
});
beforeEach(() => {
  emulator.failWith(null);
  emulator.reads = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ApiTokenSecret", () => {
  it("reads a bare token", async () => {
    emulator.setSecret("bare", "  tok-123  ");
    expect(await new ApiTokenSecret({ client, secretId: "bare" }).token()).toBe("tok-123");
  });

  it("reads a token stored as a key/value JSON secret", async () => {
    emulator.setSecret("json", JSON.stringify({ token: "tok-json" }));
    expect(await new ApiTokenSecret({ client, secretId: "json" }).token()).toBe("tok-json");
  });

  it("asks Secrets Manager once per TTL across invocations", async () => {
    emulator.setSecret("cached", "tok-1");
    // Powertools' cache reads the wall clock; only Date is faked, the SDK's own timers still run.
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const secret = new ApiTokenSecret({ client, secretId: "cached", maxAgeSeconds: 1 });
    await secret.token();
    vi.setSystemTime(start + 999);
    await secret.token();
    expect(emulator.reads).toBe(1);
    emulator.setSecret("cached", "tok-2");
    // Powertools keeps a value through its last millisecond: expired is strictly past maxAge.
    vi.setSystemTime(start + 1001);
    expect(await secret.token()).toBe("tok-2");
    expect(emulator.reads).toBe(2);
  });

  it("says how to fill a secret that still holds the placeholder", async () => {
    emulator.setSecret("empty", TOKEN_PLACEHOLDER);
    await expect(new ApiTokenSecret({ client, secretId: "empty" }).token()).rejects.toThrow(
      /holds no token yet — store it with aws secretsmanager put-secret-value --secret-id empty/,
    );
  });

  it("reads the secret again on the next call after it held the placeholder", async () => {
    emulator.setSecret("filled-later", TOKEN_PLACEHOLDER);
    const secret = new ApiTokenSecret({ client, secretId: "filled-later" });
    await expect(secret.token()).rejects.toThrow(SecretError);
    emulator.setSecret("filled-later", "tok-now");
    expect(await secret.token()).toBe("tok-now");
    expect(emulator.reads).toBe(2);
  });

  it("names the secret and the cause when it cannot be read, without leaking its value", async () => {
    emulator.setSecret("denied", "super-secret-token");
    emulator.failWith({ status: 400, type: "AccessDeniedException", message: "not authorized" });
    const error = await new ApiTokenSecret({ client, secretId: "denied" }).token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toMatch(/Could not read the API token secret "denied" \(AccessDeniedException/);
    expect((error as Error).message).not.toContain("super-secret-token");
  });
});
