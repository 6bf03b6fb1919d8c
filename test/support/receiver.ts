// A real HTTP endpoint on loopback that records what the fake delivers to it (SendZen signup
// webhooks, Sinch provisioning callbacks), answering with scripted statuses.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HANG_MS } from './windows.ts';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  json: unknown;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Statuses to answer with, in order; after they run out every delivery gets 200. */
  respondWith(...statuses: number[]): void;
  /** Answers every delivery with `status` until told otherwise (undefined: back to 200). */
  respondAlways(status: number | undefined): void;
  /** Resolves with the first delivery (counting ones already received) that matches. */
  waitFor(match: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const statuses: number[] = [];
  let always: number | undefined;
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
      deliveries.push({ path: req.url ?? '/', headers: req.headers, rawBody, json });
      res.statusCode = always ?? statuses.shift() ?? 200;
      res.end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    respondWith: (...s) => statuses.push(...s),
    respondAlways: (status) => {
      always = status;
    },
    waitFor(match, timeoutMs = HANG_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = deliveries.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching delivery within ${timeoutMs} ms (${deliveries.length} received)`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
