/**
 * A small line chart in SVG, with its numbers in words for screen readers
 * (role="img" and a summary). No chart library: a polyline over time.
 */
import { useI18n } from '../context';

export type Point = { at: number; value: number | null };

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

export function LineChart({ title, points, from, to }: { title: string; points: Point[]; from: number; to: number }) {
  const { t, language } = useI18n();
  const values = points.filter((p): p is { at: number; value: number } => p.value !== null);
  const id = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  if (values.length === 0) {
    return (
      <figure className="chart">
        <figcaption id={`${id}-title`}>{title}</figcaption>
        <p className="muted">{t('chartEmpty', { title })}</p>
      </figure>
    );
  }
  const min = Math.min(0, ...values.map((p) => p.value));
  const max = Math.max(1, ...values.map((p) => p.value));
  const x = (at: number) => PAD.left + ((at - from) / Math.max(1, to - from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - min) / (max - min)) * (HEIGHT - PAD.top - PAD.bottom);
  const path = values.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const format = (ms: number) =>
    new Intl.DateTimeFormat(language === 'it' ? 'it-IT' : 'en-GB', {
      timeZone: 'Europe/Rome',
      day: '2-digit',
      month: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(ms));
  const round = (v: number) => String(Math.round(v * 10) / 10);
  const summary = t('chartSummary', {
    title,
    n: values.length,
    min: round(Math.min(...values.map((p) => p.value))),
    max: round(Math.max(...values.map((p) => p.value))),
    last: round(values.at(-1)!.value),
  });
  return (
    <figure className="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        <line className="axis" x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} />
        <text className="tick" x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">
          {round(max)}
        </text>
        <text className="tick" x={PAD.left - 6} y={HEIGHT - PAD.bottom} textAnchor="end">
          {round(min)}
        </text>
        <text className="tick" x={PAD.left} y={HEIGHT - 8}>
          {format(from)}
        </text>
        <text className="tick" x={WIDTH - PAD.right} y={HEIGHT - 8} textAnchor="end">
          {format(to)}
        </text>
        {values.length === 1 ? (
          <circle className="series-dot" cx={x(values[0]!.at)} cy={y(values[0]!.value)} r={3} />
        ) : (
          <polyline className="series" points={path} />
        )}
      </svg>
    </figure>
  );
}
