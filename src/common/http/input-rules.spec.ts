import { describe, expect, it } from '@jest/globals';
import { bodyProblems, exceedsJsonDepth, parameterProblems, unstorableReason } from './input-rules.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

describe('exceedsJsonDepth', () => {
  it('allows exactly the limit and refuses one more', () => {
    expect(exceedsJsonDepth(bytes('['.repeat(64) + ']'.repeat(64)))).toBe(false);
    expect(exceedsJsonDepth(bytes('['.repeat(65) + ']'.repeat(65)))).toBe(true);
    expect(exceedsJsonDepth(bytes('{"a":'.repeat(65) + '1' + '}'.repeat(65)))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(bytes(`["${'['.repeat(500)}"]`))).toBe(false);
    expect(exceedsJsonDepth(bytes(`["\\"${'{'.repeat(500)}"]`))).toBe(false);
  });

  it('measures depth, not the number of brackets', () => {
    expect(exceedsJsonDepth(bytes(`[${'[],'.repeat(5000)}[]]`))).toBe(false);
  });
});

describe('unstorableReason', () => {
  it.each([
    ['a\u0000b', /U\+0000/],
    ['a\ud800b', /lone UTF-16 surrogate \(U\+D800\)/],
    ['\udc00', /U\+DC00/],
    ['ends high \ud83d', /U\+D83D/],
  ])('refuses %j', (value, reason) => {
    expect(unstorableReason(value)).toMatch(reason);
  });

  it.each(['', 'plain', 'emoji 😀', 'é ü 中文', '\u0001\u007f\ufffd'])('accepts %j', (value) => {
    expect(unstorableReason(value)).toBeUndefined();
  });
});

describe('bodyProblems', () => {
  it('names each offending value by its dotted path', () => {
    expect(bodyProblems({ lead: { names: ['ok', 'x\u0000'] }, note: '\ud800' })).toEqual([
      expect.objectContaining({ field: 'lead.names.1', rule: 'storableText' }),
      expect.objectContaining({ field: 'note', rule: 'storableText' }),
    ]);
    expect(bodyProblems('\u0000')).toEqual([expect.objectContaining({ field: '(body)' })]);
  });

  it('refuses __proto__ and constructor keys at any depth', () => {
    const body = JSON.parse('{"a":{"__proto__":{"x":1}},"b":[{"constructor":{}}]}') as unknown;
    expect(bodyProblems(body).map((p) => `${p.field}:${p.rule}`)).toEqual([
      'a.__proto__:forbiddenKey',
      'b.0.constructor:forbiddenKey',
    ]);
  });

  it('refuses property names that cannot be stored', () => {
    expect(bodyProblems({ lead: { 'a\u0000': 1 } })).toEqual([
      expect.objectContaining({ field: 'lead', rule: 'storableText' }),
    ]);
  });

  it('stops after the limit', () => {
    const many = Array.from({ length: 1000 }, () => '\u0000');
    expect(bodyProblems(many, 51)).toHaveLength(51);
  });
});

describe('parameterProblems', () => {
  it('checks every value of a repeated parameter and says where the parameter lives', () => {
    expect(parameterProblems({ status: ['ok', 'a\u0000'], limit: '5' }, 'query parameter')).toEqual([
      {
        field: 'status',
        rule: 'storableText',
        message: 'query parameter status contains U+0000 (NUL) at position 1, which cannot be stored',
      },
    ]);
  });
});
