import { z } from 'zod';

import { mulberry32 } from './seeded-random.js';

const rate = z.number().min(0).max(1);

/** Fault settings accepted by `PUT /admin/faults` and `handle.setFaults()`; every field is optional. */
export const sandboxFaultsSchema = z
  .object({
    /** Seed of the fault dice; the same seed and the same sequence of calls give the same faults. */
    seed: z.number().int().optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    jitterMs: z.number().int().min(0).max(600_000).optional(),
    /** Share of tool calls answered with an `isError: true` tool result. */
    toolErrorRate: rate.optional(),
    /** Share of tool calls answered with HTTP 500. */
    httpErrorRate: rate.optional(),
    /** Answer 429 with `Retry-After` to the next `count` tool calls (all of them when `count` is absent). */
    rateLimit: z
      .object({
        retryAfterSeconds: z.number().int().min(0).max(86_400),
        count: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Tool calls are never answered until faults are cleared (then they proceed) or the server stops. */
    hang: z.boolean().optional(),
    /**
     * Tool calls are answered with an SSE stream that carries only a log notification mentioning an error and then
     * closes before the response, as a server that crashes mid-call does.
     */
    cutStream: z.boolean().optional(),
    /** Share of tool calls answered 200 with a body that is not valid JSON-RPC. */
    malformedRate: rate.optional(),
    /** Limit tool-level faults to these tool names; absent or empty means every tool. */
    tools: z.array(z.string().min(1)).optional(),
    /**
     * Outgoing webhooks of these event types (every type when `types` is absent or empty) are never delivered, as if
     * the upstream had given up retrying them (Avinode stops after 48 hours): what a reconciliation must make up for.
     */
    dropWebhooks: z
      .object({ types: z.array(z.string().min(1)).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type SandboxFaults = z.infer<typeof sandboxFaultsSchema>;

/** What the host does with one request. Checked in this order, so at most one fault fires per request. */
export type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'hang'; delayMs: number }
  | { kind: 'cutStream'; delayMs: number }
  | { kind: 'rateLimit'; delayMs: number; retryAfterSeconds: number }
  | { kind: 'httpError'; delayMs: number }
  | { kind: 'malformed'; delayMs: number }
  | { kind: 'toolError'; delayMs: number };

/**
 * Rolls the fault dice. Every eligible tool call draws the same number of values in the same order
 * (jitter, HTTP error, malformed, tool error), whatever the rates, so a seed fixes the whole sequence.
 */
export class FaultInjector {
  private faults: SandboxFaults = {};
  private random: () => number;
  private rateLimitLeft: number | undefined;
  private injected = 0;

  constructor(private readonly defaultSeed: number) {
    this.random = mulberry32(defaultSeed);
  }

  get current(): SandboxFaults {
    return structuredClone(this.faults);
  }

  get injectedCount(): number {
    return this.injected;
  }

  get active(): boolean {
    return Object.keys(this.faults).length > 0;
  }

  set(faults: SandboxFaults): void {
    this.faults = structuredClone(faults);
    this.random = mulberry32(faults.seed ?? this.defaultSeed);
    this.rateLimitLeft = faults.rateLimit?.count;
  }

  clear(): void {
    this.set({});
  }

  /** For a non-tool request (initialize, tools/list, notifications): only latency, and only when faults target all tools. */
  decideForOther(): FaultDecision {
    if (this.faults.tools?.length) return { kind: 'none', delayMs: 0 };
    return { kind: 'none', delayMs: this.faults.latencyMs ?? 0 };
  }

  /** Whether an outgoing webhook of this event type is dropped (`dropWebhooks`); independent of the dice. */
  dropsWebhook(type: string): boolean {
    const drop = this.faults.dropWebhooks;
    if (!drop || (drop.types?.length && !drop.types.includes(type))) return false;
    this.injected++;
    return true;
  }

  decideForTool(toolName: string): FaultDecision {
    const f = this.faults;
    if (f.tools?.length && !f.tools.includes(toolName)) return { kind: 'none', delayMs: 0 };
    const jitter = this.random();
    const httpError = this.random();
    const malformed = this.random();
    const toolError = this.random();
    const delayMs = (f.latencyMs ?? 0) + Math.floor(jitter * (f.jitterMs ?? 0));
    const decision = this.pick(f, delayMs, httpError, malformed, toolError);
    if (decision.kind !== 'none') this.injected++;
    return decision;
  }

  private pick(
    f: SandboxFaults,
    delayMs: number,
    httpError: number,
    malformed: number,
    toolError: number,
  ): FaultDecision {
    if (f.hang) return { kind: 'hang', delayMs };
    if (f.cutStream) return { kind: 'cutStream', delayMs };
    if (f.rateLimit && (this.rateLimitLeft === undefined || this.rateLimitLeft > 0)) {
      if (this.rateLimitLeft !== undefined) this.rateLimitLeft--;
      return { kind: 'rateLimit', delayMs, retryAfterSeconds: f.rateLimit.retryAfterSeconds };
    }
    if (httpError < (f.httpErrorRate ?? 0)) return { kind: 'httpError', delayMs };
    if (malformed < (f.malformedRate ?? 0)) return { kind: 'malformed', delayMs };
    if (toolError < (f.toolErrorRate ?? 0)) return { kind: 'toolError', delayMs };
    return { kind: 'none', delayMs };
  }
}
