// Reading and answering plain node:http messages (webhook routes, health, the demo): no framework
// sits between a delivery and its verification.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Webhook bodies are small JSON documents; anything larger is refused before it is buffered. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(
  req: IncomingMessage,
  limit = MAX_WEBHOOK_BODY_BYTES,
): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
