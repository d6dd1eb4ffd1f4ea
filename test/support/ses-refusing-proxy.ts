/**
 * A proxy in front of the SES emulator that refuses, as SES in the sandbox does, any message
 * to one address (`MessageRejected`, HTTP 400) and passes every other request through. The
 * emulator accepts every address, so this is the one fault of a real SES it cannot produce.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SesRefusingProxy {
  endpoint: string;
  /** Refuse messages to this address from now on; null accepts all again. */
  refuse(address: string | null): void;
  /** Messages refused so far. */
  refused(): number;
  close(): Promise<void>;
}

export async function startSesRefusingProxy(target: string): Promise<SesRefusingProxy> {
  let refusedAddress: string | null = null;
  let refusedCount = 0;
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const form = new URLSearchParams(body.toString("utf8"));
    const raw = Buffer.from(form.get("RawMessage.Data") ?? "", "base64").toString("utf8");
    const envelope = [...form.entries()]
      .filter(([key]) => key.startsWith("Destinations.member."))
      .map(([, value]) => value);
    if (refusedAddress !== null && (envelope.includes(refusedAddress) || raw.includes(refusedAddress))) {
      refusedCount += 1;
      response.writeHead(400, { "content-type": "text/xml" });
      response.end(
        `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Email address is not verified. The following identities failed the check in region US-EAST-1: ${refusedAddress}</Message></Error><RequestId>refused-${refusedCount}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(`${target}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers,
      ...(request.method === "GET" || request.method === "HEAD" ? {} : { body }),
    });
    response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/xml" });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refuse(address) {
      refusedAddress = address;
    },
    refused: () => refusedCount,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
