import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AuditEntryInput } from '../../common/events/domain-event.js';
import { AuditLogEntry } from './audit-log.entity.js';

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|signature/i;

/** Drops values of keys that look like credentials, at any depth, so audit details never hold secrets. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? '[redacted]' : scrubSecrets(inner, depth + 1),
    ]),
  );
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditLogEntry) private readonly entries: Repository<AuditLogEntry>) {}

  async record(input: AuditEntryInput): Promise<AuditLogEntry> {
    const entry = this.entries.create({
      source: input.source,
      type: input.type,
      subject: input.subject ?? null,
      correlationId: input.correlationId ?? null,
      outcome: input.outcome,
      details: scrubSecrets(input.details ?? {}) as Record<string, unknown>,
      ...(input.occurredAt ? { occurredAt: input.occurredAt } : {}),
    });
    return this.entries.save(entry);
  }
}
