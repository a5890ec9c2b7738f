import { OnEvent, type OnEventOptions } from '@nestjs/event-emitter';

/** A domain event class: its static `eventName` is the one spelling of the event's name. */
export interface DomainEventClass<E extends object> {
  readonly eventName: string;
  readonly prototype: E;
}

/**
 * `@OnEvent` by event class instead of by string: the name cannot be misspelt, and the listener must accept the
 * event's own type (a listener declared as `(event: unknown)` or for another event does not compile). Wildcard
 * subscriptions (`avainode.*`, `**`) stay on `@OnEvent`.
 */
export function OnDomainEvent<E extends object>(eventClass: DomainEventClass<E>, options?: OnEventOptions) {
  return <M extends (event: E) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    OnEvent(eventClass.eventName, options)(target, key, descriptor);
  };
}
