import { describe, expect, it } from '@jest/globals';
import { aggregateBreaker, aggregateState } from './mcp-client.js';

describe('the state of a server with several endpoints', () => {
  it('is up when every endpoint is, degraded when some can serve, else the most hopeful of the rest', () => {
    expect(aggregateState(['up'])).toBe('up');
    expect(aggregateState(['up', 'up'])).toBe('up');
    expect(aggregateState(['up', 'down'])).toBe('degraded');
    expect(aggregateState(['degraded'])).toBe('degraded');
    expect(aggregateState(['connecting', 'down'])).toBe('connecting');
    expect(aggregateState(['down', 'down'])).toBe('down');
  });

  it('has a closed breaker while any endpoint takes calls', () => {
    expect(aggregateBreaker(['open', 'closed'])).toBe('closed');
    expect(aggregateBreaker(['open', 'half_open'])).toBe('half_open');
    expect(aggregateBreaker(['open', 'open'])).toBe('open');
    expect(aggregateBreaker(['isolated'])).toBe('isolated');
  });
});
