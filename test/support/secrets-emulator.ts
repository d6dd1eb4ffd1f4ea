import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface SecretsEmulator {
  endpoint: string;
  /** GetSecretValue calls received. */
  reads: number;
  /** Stores `value` as the secret's AWSCURRENT version (its AWSPREVIOUS one is left as it is). */
  setSecret(id: string, value: string | undefined): void;
  /**
   * What `put-secret-value` does: `value` becomes AWSCURRENT and the version that was current
   * becomes AWSPREVIOUS (the one before that keeps no stage, so it cannot be read by stage).
   */
  rotateSecret(id: string, value: string): void;
  /** Answer every call with this AWS error until cleared. */
  failWith(error: { status: number; type: string; message: string } | null): void;
  close(): Promise<void>;
}

/**
 * Secrets Manager's GetSecretValue over its real wire protocol (JSON 1.1, X-Amz-Target), enough
 * for the SDK client to talk to it on 127.0.0.1. No emulator package covers Secrets Manager.
 * It serves the AWSCURRENT and AWSPREVIOUS version stages (`VersionStage`); a stage with no
 * version is ResourceNotFoundException, as in AWS.
 */
export async function startSecretsEmulator(): Promise<SecretsEmulator> {
  const secrets = new Map<string, string>();
  const previous = new Map<string, string>();
  let failure: { status: number; type: string; message: string } | null = null;
  const emulator = { reads: 0 } as SecretsEmulator;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const reply = (status: number, body: object) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(body));
      };
      if (request.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
        reply(400, { __type: "UnknownOperationException", message: "Only GetSecretValue is emulated" });
        return;
      }
      emulator.reads += 1;
      if (failure) {
        reply(failure.status, { __type: failure.type, message: failure.message });
        return;
      }
      const { SecretId, VersionStage = "AWSCURRENT" } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        SecretId: string;
        VersionStage?: string;
      };
      if (!secrets.has(SecretId)) {
        reply(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      const value =
        VersionStage === "AWSCURRENT"
          ? secrets.get(SecretId)
          : VersionStage === "AWSPREVIOUS"
            ? previous.get(SecretId)
            : undefined;
      if (value === undefined) {
        reply(400, {
          __type: "ResourceNotFoundException",
          message: `Secrets Manager can't find the specified secret value for staging label: ${VersionStage}`,
        });
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}`,
        Name: SecretId,
        SecretString: value,
        VersionId: VersionStage === "AWSCURRENT" ? "v-current" : "v-previous",
        VersionStages: [VersionStage],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  emulator.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.setSecret = (id, value) => {
    if (value !== undefined) secrets.set(id, value);
    else {
      secrets.delete(id);
      previous.delete(id);
    }
  };
  emulator.rotateSecret = (id, value) => {
    const current = secrets.get(id);
    if (current !== undefined) previous.set(id, current);
    secrets.set(id, value);
  };
  emulator.failWith = (error) => {
    failure = error;
  };
  emulator.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return emulator;
}
