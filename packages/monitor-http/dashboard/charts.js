// Throughput and failure charts: SVG bars drawn here, per 10 s bucket.

import { api } from './api.js';
import { $, svg, time } from './dom.js';
import { state } from './state.js';

export function applyThroughput(event) {
  const field = { 'task-succeeded': 'succeeded', 'task-failed': 'failed', 'task-retried': 'retried' }[event.type];
  if (!field) return;
  const { bucketMs, buckets } = state.throughput;
  const start = Math.floor(Date.now() / bucketMs) * bucketMs;
  let last = buckets.at(-1);
  if (!last || last.start !== start) {
    last = { start, succeeded: 0, failed: 0, retried: 0 };
    buckets.push(last);
    if (buckets.length > 90) buckets.shift();
  }
  last[field]++;
}

export function barChart(target, buckets, series) {
  const width = 600;
  const height = 140;
  const pad = { left: 28, bottom: 14, top: 6 };
  const max = Math.max(1, ...buckets.map((b) => series.reduce((sum, s) => sum + b[s.key], 0)));
  const barWidth = (width - pad.left) / Math.max(buckets.length, 1);
  const scale = (height - pad.bottom - pad.top) / max;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' });
  root.append(svg('title', {}, series.map((s) => s.label).join(' and ')));
  root.append(svg('text', { x: 2, y: pad.top + 8 }, String(max)));
  root.append(svg('text', { x: 2, y: height - pad.bottom }, '0'));
  root.append(
    svg('line', {
      x1: pad.left,
      x2: width,
      y1: height - pad.bottom,
      y2: height - pad.bottom,
      stroke: '#d5d9e0',
    }),
  );
  buckets.forEach((bucket, i) => {
    let y = height - pad.bottom;
    for (const s of series) {
      const h = bucket[s.key] * scale;
      if (h <= 0) continue;
      y -= h;
      const bar = svg('rect', {
        x: pad.left + i * barWidth + 0.5,
        y,
        width: Math.max(barWidth - 1, 1),
        height: h,
        fill: s.color,
      });
      bar.append(svg('title', {}, `${time(bucket.start)}: ${bucket[s.key]} ${s.label}`));
      root.append(bar);
    }
  });
  if (buckets.length > 0) {
    root.append(svg('text', { x: pad.left, y: height - 2 }, time(buckets[0].start)));
    root.append(svg('text', { x: width - 2, y: height - 2, 'text-anchor': 'end' }, 'now'));
  }
  target.replaceChildren(root);
}

export function renderCharts() {
  const { bucketMs, buckets } = state.throughput;
  const end = Math.floor(Date.now() / bucketMs) * bucketMs;
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  const window = [];
  for (let i = 89; i >= 0; i--) {
    const start = end - i * bucketMs;
    window.push(byStart.get(start) ?? { start, succeeded: 0, failed: 0, retried: 0 });
  }
  barChart($('#chart-throughput'), window, [
    { key: 'succeeded', label: 'succeeded', color: '#2e8b57' },
    { key: 'failed', label: 'failed', color: '#c0392b' },
  ]);
  barChart($('#chart-failures'), window, [
    { key: 'failed', label: 'failed', color: '#c0392b' },
    { key: 'retried', label: 'retried', color: '#c27c0e' },
  ]);
}

export async function loadThroughput() {
  state.throughput = await api('api/throughput');
  renderCharts();
}
