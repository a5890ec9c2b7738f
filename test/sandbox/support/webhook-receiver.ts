import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  rawBody: string;
  /** Result of `Webhook.verify` on the raw bytes, or the verification error. */
  verified: { ok: true; payload: unknown } | { ok: false; error: string };
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  received: ReceivedWebhook[];
  /** Status to answer the next requests with, in order; 204 once the list is used up. */
  respondWith(statuses: number[]): void;
  close(): Promise<void>;
}

/** A loopback receiver that records every request and checks its Standard Webhooks signature. */
export async function startWebhookReceiver(
  secret = `whsec_${Buffer.from('sandbox-test-secret-0123456789').toString('base64')}`,
): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  let statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let verified: ReceivedWebhook['verified'];
      try {
        verified = { ok: true, payload: verifier.verify(rawBody, headers) };
      } catch (error) {
        verified = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      received.push({ headers, rawBody, verified });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    secret,
    received,
    respondWith: (s) => {
      statuses = [...s];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
