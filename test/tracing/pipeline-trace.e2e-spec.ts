import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { searchAircraftTool } from '../../src/modules/avainode/avainode.contracts.js';
import { McpClientService } from '../../src/common/mcp/mcp-client.service.js';
import { registerTracing, type TracingRegistration } from '../../src/common/tracing/tracing-provider.js';
import { eventually } from '../support/eventually.js';
import { daysFromNow, trip, usePipelineApp, waitForStatus } from '../pipeline/pipeline-support.js';

const STEPS = ['enrich', 'search', 'price', 'request', 'notify'];

/**
 * Tracing with an in-memory exporter registered as the process's provider (as OTLP would be in production): the app,
 * its workers and the MCP client all report to it, and the sandbox servers record the trace ids they were sent.
 */
describe('tracing: a pipeline run is one connected trace', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingRegistration | undefined;
  // Registered before the app starts (hooks run in order), unregistered after everything else.
  beforeAll(() => {
    tracing = registerTracing([new SimpleSpanProcessor(exporter)]);
  });
  const harness = usePipelineApp({});
  afterAll(async () => {
    await tracing?.shutdown();
  });

  const spansOf = (traceId: string): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

  it('from the REST request through every step and MCP call, with the context sent to the MCP servers', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await harness.app.request('/api/integration/leads', {
      method: 'POST',
      headers: { traceparent: incoming },
      json: {
        lead: { email: 'trace.me@pipeline-e2e.example', firstName: 'Trace', lastName: 'Me' },
        flightRequirements: trip(),
      },
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    await waitForStatus(harness.app.request, runId, ['awaiting_confirmation']);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

    // The notify step's span ends after the run's status changed: wait for it.
    const spans = await eventually(() => {
      const found = spansOf(traceId);
      return found.filter((span) => span.name.startsWith('pipeline.step ')).length === STEPS.length ? found : undefined;
    }, 10_000);

    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server).toMatchObject({
      name: 'POST /api/integration/leads',
      attributes: expect.objectContaining({ 'http.response.status_code': 202, 'http.route': '/api/integration/leads' }),
    });
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');

    const steps = spans.filter((span) => span.name.startsWith('pipeline.step '));
    expect(steps.map((span) => span.attributes['jetvision.pipeline.step'])).toEqual(STEPS);
    expect(steps.every((span) => span.attributes['jetvision.pipeline.run_id'] === runId)).toBe(true);

    const calls = spans.filter((span) => span.kind === SpanKind.CLIENT && span.name.startsWith('tools/call '));
    expect(calls.length).toBeGreaterThanOrEqual(STEPS.length);
    for (const call of calls) {
      expect(call.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': call.name.slice('tools/call '.length),
        'server.address': '127.0.0.1',
      });
    }

    // Connected: every span's parent is in the trace, except the root's, which is the caller's.
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    for (const span of spans) {
      const parent = span.parentSpanContext?.spanId;
      expect({ span: span.name, parentKnown: parent === '00f067aa0ba902b7' || ids.has(parent ?? '') }).toEqual({
        span: span.name,
        parentKnown: true,
      });
    }

    // The trace context went to the MCP servers in `_meta`.
    expect(harness.upstreams.apollo.stats().traceIds).toContain(traceId);
    expect(harness.upstreams.avinode.stats().traceIds).toContain(traceId);
    expect(harness.upstreams.n8n.stats().traceIds).toContain(traceId);
  });

  it('counts an isError tool result as a failed call span (error.type tool_error)', async () => {
    harness.upstreams.avinode.setFaults({ toolErrorRate: 1, tools: ['search-aircraft'] });
    try {
      const client = harness.app.app.get(McpClientService);
      const args = { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: daysFromNow(20), passengers: 2 };
      await expect(client.call(searchAircraftTool, args)).rejects.toThrow();
    } finally {
      harness.upstreams.avinode.clearFaults();
    }
    const failed = exporter
      .getFinishedSpans()
      .filter((span) => span.name === 'tools/call search-aircraft' && span.status.code === SpanStatusCode.ERROR);
    expect(failed.at(-1)?.attributes['error.type']).toBe('tool_error');
  });
});
