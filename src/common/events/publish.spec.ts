import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { eventNameOf, publish, publishAndWait } from './publish.js';

const srcDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Every concrete class exported by the backend's event files (`*.events.ts`, `events/*.ts`), with the file it came
 * from; base classes that other event classes extend are left out.
 */
async function eventClasses(): Promise<Array<{ file: string; name: string; eventName: unknown }>> {
  const files = readdirSync(join(srcDir, 'modules'), { recursive: true, encoding: 'utf8' })
    .map((file) => join(srcDir, 'modules', file))
    .concat(
      readdirSync(join(srcDir, 'common'), { recursive: true, encoding: 'utf8' }).map((f) => join(srcDir, 'common', f)),
    )
    .filter((file) => /(\.events|-events|\/events\/[\w-]+)\.ts$/.test(file) && !file.endsWith('.spec.ts'));
  const found = new Map<object, { file: string; name: string; eventName: unknown }>();
  for (const file of files) {
    const exports = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function' && /^class\s/.test(Function.prototype.toString.call(value))) {
        found.set(value, {
          file: relative(srcDir, file),
          name,
          eventName: (value as { eventName?: unknown }).eventName,
        });
      }
    }
  }
  const bases = new Set<unknown>([...found.keys()].map((cls): unknown => Object.getPrototypeOf(cls)));
  return [...found.entries()].filter(([cls]) => !bases.has(cls)).map(([, entry]) => entry);
}

describe('publish', () => {
  it('emits under the name of the event’s own class', async () => {
    class ThingHappened {
      static readonly eventName = 'test.thing_happened';
      constructor(readonly id: string) {}
    }
    const emitter = new EventEmitter2();
    const received: Array<{ name: string; event: unknown }> = [];
    emitter.onAny((name, event) => received.push({ name: String(name), event }));
    const event = new ThingHappened('a');
    publish(emitter, event);
    await publishAndWait(emitter, new ThingHappened('b'));
    expect(received).toEqual([
      { name: 'test.thing_happened', event },
      { name: 'test.thing_happened', event: new ThingHappened('b') },
    ]);
  });

  it('refuses an object whose class is not a domain event', () => {
    expect(() => publish(new EventEmitter2(), { id: 'x' })).toThrow('Object is not a domain event');
    expect(() => eventNameOf(new (class Plain {})())).toThrow('Plain is not a domain event');
  });

  it('every event class in the backend has its own non-empty name', async () => {
    const classes = await eventClasses();
    expect(classes.length).toBeGreaterThan(40);
    const missing = classes.filter((c) => typeof c.eventName !== 'string' || c.eventName === '');
    expect(missing.map((c) => `${c.file}: ${c.name}`)).toEqual([]);
    const byName = new Map<unknown, string[]>();
    for (const c of classes) byName.set(c.eventName, [...(byName.get(c.eventName) ?? []), c.name]);
    const shared = [...byName.entries()].filter(([, names]) => new Set(names).size > 1);
    expect(shared).toEqual([]);
  });
});
