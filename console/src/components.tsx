import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function ErrorNote({ error }: { error: string | null | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Card(props: { title: string; attention?: boolean; children: ComponentChildren; testId?: string }) {
  return (
    <section class={props.attention ? 'card attention' : 'card'} data-testid={props.testId} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * A button that asks first: opens a modal dialog naming what will happen, runs `action` on confirmation, and shows the
 * action's error in the dialog. Keyboard: Enter/Space opens, Escape cancels, focus goes to the confirm button.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  action: () => Promise<unknown>;
  danger?: boolean;
  children?: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await props.action();
      dialog.current?.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? 'danger' : ''}
        onClick={() => {
          setError(null);
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.label}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <p>{props.question}</p>
          {props.children}
          <ErrorNote error={error} />
          <div class="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Back
            </button>
            <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy} autofocus>
              {props.confirmLabel ?? props.label}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A time-series line chart (uPlot on a canvas) with the same points as a table for screen readers. */
export function LineChart(props: {
  label: string;
  points: Array<{ at: string; value: number }>;
  unit?: string;
  height?: number;
  yRange?: [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  const { points, height = 180 } = props;
  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const xs = points.map((p) => new Date(p.at).getTime() / 1000);
    const ys = points.map((p) => p.value);
    const range = props.yRange;
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height,
        legend: { show: false },
        scales: { x: { time: true }, y: range ? { range: () => range } : {} },
        series: [{}, { label: props.label, stroke: '#2563eb', width: 2, points: { show: true, size: 6 } }],
        axes: [{}, { size: 44 }],
      },
      [xs, ys],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 240), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, height, props.label, props.yRange]);
  return (
    <figure class="chart">
      <div ref={host} data-testid="chart" data-points={points.length} role="img" aria-label={props.label} />
      <table class="sr-only">
        <caption>{props.label}</caption>
        <tbody>
          {points.map((p) => (
            <tr key={p.at}>
              <td>{p.at}</td>
              <td>
                {p.value}
                {props.unit ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** A tiny trend line (inline SVG), e.g. latency since the page opened. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  if (values.length < 2) return <span class="muted spark-empty">collecting…</span>;
  const max = Math.max(...values, 1);
  const step = 100 / (values.length - 1);
  const path = values.map((v, i) => `${(i * step).toFixed(1)},${(28 - (v / max) * 26).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline points={path} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

export interface ProgressPart {
  label: string;
  value: number;
  tone: 'good' | 'bad' | 'waiting' | 'busy' | 'idle';
}

/**
 * A stacked bar: each part's share of `total`, with the settled parts (good and bad) as the progress a screen reader
 * hears. A total of zero or unknown shows an empty bar.
 */
export function ProgressBar({ label, total, parts }: { label: string; total: number | null; parts: ProgressPart[] }) {
  const whole = total ?? 0;
  const settled = parts.filter((p) => p.tone === 'good' || p.tone === 'bad').reduce((sum, p) => sum + p.value, 0);
  const text = parts.map((p) => `${p.value} ${p.label}`).join(', ');
  return (
    <div
      class="progress stacked"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={whole}
      aria-valuenow={settled}
      aria-valuetext={whole > 0 ? `${settled} of ${whole} settled: ${text}` : 'no leads yet'}
      title={text}
    >
      {whole > 0
        ? parts.map((p) =>
            p.value > 0 ? (
              <span key={p.label} class={`bar-${p.tone}`} style={{ width: `${(100 * p.value) / whole}%` }} />
            ) : null,
          )
        : null}
    </div>
  );
}
