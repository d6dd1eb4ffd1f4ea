/**
 * Raw TCP endpoints on 127.0.0.1 that fail the way a network does, for the faults no emulator
 * produces: nobody listening, a request that never gets an answer, a reset after the body.
 */
import { type AddressInfo, createServer, type Socket } from "node:net";

export interface FaultyEndpoint {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  /** Requests whose whole body arrived before the fault. */
  requestsReceived(): number;
  close(): Promise<void>;
}

/** An endpoint nobody listens on: a port that was free a moment ago, so connecting is refused. */
export async function closedPortEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Reads each HTTP request whole (Content-Length bodies), then hangs up as told, or never answers. */
export async function faultyEndpoint(after: "never-answer" | "reset"): Promise<FaultyEndpoint> {
  const sockets = new Set<Socket>();
  let received = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const headerEnd = buffered.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/^content-length:\s*(\d+)/im.exec(buffered.subarray(0, headerEnd).toString())?.[1] ?? 0);
      if (buffered.length - headerEnd - 4 < length) return;
      buffered = Buffer.alloc(0);
      received++;
      if (after === "reset") socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requestsReceived: () => received,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
