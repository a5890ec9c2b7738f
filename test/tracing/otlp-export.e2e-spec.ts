import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Received {
  path: string;
  contentType: string;
  body: string;
}

/** A stand-in OTLP/HTTP collector: records what is posted to it and answers 200 as a collector does. */
function startCollector(received: Received[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('latin1'),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('tracing export over OTLP/HTTP', () => {
  const received: Received[] = [];
  let collector: Server;

  beforeAll(async () => {
    collector = await startCollector(received);
  });

  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  it('is off by default: without OTEL_EXPORTER_OTLP_ENDPOINT no provider is registered and spans do not record', async () => {
    const app: TestApp = await startTestApp({ env: {} });
    try {
      expect((await app.request('/api/integration/status')).status).toBe(200);
      const probe = trace.getTracer('probe').startSpan('probe');
      expect(probe.isRecording()).toBe(false);
      probe.end();
    } finally {
      await app.close();
    }
    expect(received).toEqual([]);
  });

  it('sends the spans of a request to <endpoint>/v1/traces, flushed at shutdown', async () => {
    const { port } = collector.address() as AddressInfo;
    const app: TestApp = await startTestApp({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'jetvision-test' },
    });
    expect((await app.request('/api/integration/status')).status).toBe(200);
    await app.close();
    const exported = received.filter((each) => each.path === '/v1/traces');
    expect(exported.length).toBeGreaterThan(0);
    const all = exported.map((each) => each.body).join('\n');
    expect(all).toContain('GET /api/integration/status');
    expect(all).toContain('jetvision-test');
  });
});
