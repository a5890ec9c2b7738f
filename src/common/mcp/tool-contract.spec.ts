import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { McpToolRegistry, defineTool } from './tool-contract.js';

describe('defineTool and McpToolRegistry', () => {
  const search = defineTool({ server: 'avinode', name: 'search-aircraft', mode: 'read', result: z.object({}) });
  const create = defineTool({
    server: 'avinode',
    name: 'create-charter-request',
    mode: 'write',
    result: z.object({ id: z.string() }),
    idempotencyKeyArgument: 'idempotencyKey',
    timeoutMs: 20_000,
  });

  it('freezes contracts and validates the timeout', () => {
    expect(Object.isFrozen(search)).toBe(true);
    expect(() => defineTool({ server: 'n8n', name: 'x', mode: 'read', result: z.unknown(), timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });

  it('lists required tools per server and notifies listeners', () => {
    const registry = new McpToolRegistry();
    const changed: string[] = [];
    registry.onChange((server) => changed.push(server));
    registry.register([search, create]);
    registry.register([search]);
    expect(registry.requiredTools('avinode')).toEqual(['create-charter-request', 'search-aircraft']);
    expect(registry.requiredTools('apollo')).toEqual([]);
    expect(changed).toEqual(['avinode', 'avinode']);
  });

  it('refuses one tool declared both read and write', () => {
    const registry = new McpToolRegistry();
    registry.register([search]);
    expect(() => registry.register([{ ...search, mode: 'write' }])).toThrow(/both as read and write/);
  });
});
