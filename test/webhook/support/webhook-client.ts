import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A fixed Standard Webhooks secret for tests. */
export function testSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
  id: string;
}

/**
 * Signs like a real sender, with the `standardwebhooks` package (not our own code): the intake must accept what the
 * reference implementation produces.
 */
export function signed(
  secret: string,
  event: unknown,
  options: { id?: string; timestamp?: Date; body?: string } = {},
): SignedDelivery {
  const id = options.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = options.timestamp ?? new Date();
  const body = options.body ?? JSON.stringify(event);
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
    },
  };
}

export async function deliver(
  baseUrl: string,
  path: string,
  delivery: { headers: Record<string, string>; body: string },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const apolloLead = (id: string, updatedAt: string, extra: Record<string, unknown> = {}): unknown => ({
  lead: { id, updatedAt, firstName: 'Ada', lastName: 'Byron', name: 'Ada Byron', title: 'Chief of Staff', ...extra },
  source: 'sequence',
});
