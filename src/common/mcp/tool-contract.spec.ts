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

  it('requires the tools without a profile and those of the profile the server offers best', () => {
    const registry = new McpToolRegistry();
    const tool = (name: string, profile?: string) =>
      defineTool({ server: 'apollo', name, mode: 'read', result: z.unknown(), ...(profile ? { profile } : {}) });
    registry.register([tool('a1', 'a'), tool('a2', 'a'), tool('b1', 'b'), tool('shared')]);
    expect(registry.requiredTools('apollo')).toEqual(['a1', 'a2', 'b1', 'shared']);
    expect(registry.profileOf('apollo', new Set(['b1', 'shared']))).toBe('b');
    expect(registry.requiredTools('apollo', new Set(['b1', 'shared']))).toEqual(['b1', 'shared']);
    // Half of profile a beats none of b: the server is checked (and shown degraded) against a.
    expect(registry.requiredTools('apollo', new Set(['a1']))).toEqual(['a1', 'a2', 'shared']);
    // Nothing offered: the first registered profile.
    expect(registry.profileOf('apollo', new Set())).toBe('a');
    expect(registry.profileOf('avinode', new Set(['x']))).toBeUndefined();
  });

  it('refuses one tool declared both read and write', () => {
    const registry = new McpToolRegistry();
    registry.register([search]);
    expect(() => registry.register([{ ...search, mode: 'write' }])).toThrow(/both as read and write/);
  });
});
