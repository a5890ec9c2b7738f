import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { liveStream, type StreamEvent } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads with `load` whenever `deps` change; `reload` loads again without clearing what is shown. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    loader.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      },
    );
  }, []);
  useEffect(reload, deps);
  return { data, error, loading, reload };
}

/**
 * Calls `handle` for each stream event whose name starts with one of `prefixes`. With `debounceMs`, a burst of events
 * results in one call (with the last event) — for views that reload an aggregate.
 */
export function useLiveEvents(prefixes: readonly string[], handle: (event: StreamEvent) => void, debounceMs = 0): void {
  const handler = useRef(handle);
  handler.current = handle;
  const key = prefixes.join(',');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = liveStream.on((event) => {
      if (!prefixes.some((prefix) => event.name.startsWith(prefix))) return;
      if (debounceMs <= 0) {
        handler.current(event);
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => handler.current(event), debounceMs);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [key, debounceMs]);
}

/** Whether the event stream is connected. */
export function useLive(): boolean {
  const [live, setLive] = useState(liveStream.live);
  useEffect(() => liveStream.onState(setLive), []);
  return live;
}

/** The current location hash route, e.g. `/runs/abc` for `#/runs/abc`. */
export function useRoute(): string {
  const read = (): string => decodeURI(location.hash.replace(/^#/, '')) || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = (): void => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
