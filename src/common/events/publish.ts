import type { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * The one way to emit a domain event: the name comes from the event's own class (its static `eventName`), so a name
 * and a payload of different events cannot be paired, and no name is spelt at the call site. Listeners subscribe with
 * `@OnDomainEvent(TheClass)` (on-domain-event.ts).
 */
export function publish(emitter: EventEmitter2, event: object): void {
  emitter.emit(eventNameOf(event), event);
}

/** As `publish`, resolving once every listener, async ones included, has finished (their errors propagate). */
export async function publishAndWait(emitter: EventEmitter2, event: object): Promise<void> {
  await emitter.emitAsync(eventNameOf(event), event);
}

export function eventNameOf(event: object): string {
  const name = (event.constructor as { eventName?: unknown }).eventName;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`${event.constructor.name} is not a domain event: its class has no static eventName`);
  }
  return name;
}
