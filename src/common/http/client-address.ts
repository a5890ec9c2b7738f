import { isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Where a request came from, as the audit records it. */
export interface ClientAddress {
  /** The client as this service trusts it: the TCP peer, or the X-Forwarded-For hop a trusted proxy vouched for. */
  client: string;
  /** The TCP peer that connected to this process. */
  peer: string;
  /** The X-Forwarded-For header as received (clipped), whether or not the peer was trusted to send it. */
  forwardedFor?: string;
}

/**
 * `request.ip` honours X-Forwarded-For only from peers listed in TRUST_PROXY (Fastify's trustProxy, set at boot), so a
 * client cannot choose its own address by sending the header.
 */
export function clientAddressOf(request: FastifyRequest): ClientAddress {
  const peer = request.socket?.remoteAddress ?? 'unknown';
  const header = request.headers['x-forwarded-for'];
  const forwarded = Array.isArray(header) ? header.join(', ') : header;
  return { client: request.ip, peer, ...(forwarded ? { forwardedFor: forwarded.slice(0, 200) } : {}) };
}

/**
 * The key a per-address limit counts under: an IPv4 address as is, an IPv6 address by its /64 (one host usually owns a
 * whole /64 and could otherwise take a fresh address per request).
 */
export function addressKey(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4?.[1]) return v4[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
