// The live tasks table: loaded from the API, then kept current by events.

import { api } from './api.js';
import { renderCharts } from './charts.js';
import { $, el, runtime, short, stateBadge, time } from './dom.js';
import { MAX_ROWS, RANK, STATE_OF_EVENT, STATES_FINAL, state } from './state.js';

let onSelect = () => undefined;
/** What a click on a row does (the detail panel registers itself). */
export function onTaskSelected(handler) {
  onSelect = handler;
}

function glob(pattern) {
  if (!pattern) return () => true;
  if (!pattern.includes('*')) return (value) => value === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regexp = new RegExp(`^${source}$`);
  return (value) => value != null && regexp.test(value);
}

function matchesFilters(task) {
  const f = state.filters;
  if (f.state && task.state !== f.state) return false;
  return glob(f.name)(task.name) && glob(f.worker)(task.worker);
}

export async function loadTasks() {
  const f = state.filters;
  const query = new URLSearchParams({ limit: String(MAX_ROWS) });
  for (const key of ['state', 'name', 'worker']) if (f[key]) query.set(key, f[key]);
  const { tasks, total } = await api(`api/tasks?${query}`);
  state.tasks = new Map(tasks.map((t) => [t.id, t]));
  state.order = tasks.map((t) => t.id);
  $('#tasks-count').textContent = `(${total} held)`;
  renderTasks();
}

/** Apply a live event to the table's copy of a task (the server keeps the authoritative history). */
export function applyTaskEvent(event) {
  let task = state.tasks.get(event.taskId);
  if (!task) {
    task = { id: event.taskId, name: event.name, state: 'PENDING', args: null, worker: null, retries: 0 };
    state.tasks.set(task.id, task);
    state.order.unshift(task.id);
    if (state.order.length > MAX_ROWS * 2) state.tasks.delete(state.order.pop());
  }
  if (event.name) task.name = event.name;
  const next = event.type === 'task-progress' ? event.state : STATE_OF_EVENT[event.type];
  if (event.type === 'task-sent') task.args = event.args;
  if (event.type === 'task-received' || event.type === 'task-started') task.worker = event.hostname;
  if (event.type === 'task-received') task.receivedAt = event.timestamp;
  if (event.type === 'task-succeeded' || event.type === 'task-failed') task.runtime = event.runtime;
  if (event.error) task.error = event.error;
  const newer = typeof event.retries === 'number' && event.retries > (task.retries ?? 0);
  if (newer) task.retries = event.retries;
  if (next === undefined) return;
  if (STATES_FINAL.has(next) || newer || task.state === 'RETRY') task.state = next;
  else if (!STATES_FINAL.has(task.state) && (RANK[next] ?? 3) >= (RANK[task.state] ?? 3)) task.state = next;
}

export function renderTasks() {
  const rows = [];
  for (const id of state.order) {
    const task = state.tasks.get(id);
    if (!task || !matchesFilters(task)) continue;
    rows.push(
      el(
        'tr',
        {
          dataset: { taskId: task.id, state: task.state },
          class: task.id === state.selected ? 'selected' : undefined,
          onclick: () => onSelect(task.id),
        },
        el('td', {}, stateBadge(task.state)),
        el('td', {}, task.name ?? ''),
        el('td', { class: 'mono', title: task.id }, task.id.slice(0, 8)),
        el('td', { class: 'mono args', title: short(task.args ?? '', 2000) }, task.args ? short(task.args) : ''),
        el('td', { class: 'mono' }, task.worker ?? ''),
        el('td', {}, time(task.receivedAt ?? task.sentAt)),
        el('td', { class: 'num' }, runtime(task.runtime)),
      ),
    );
    if (rows.length >= MAX_ROWS) break;
  }
  $('#tasks tbody').replaceChildren(...rows);
}

let renderQueued = false;
export function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderTasks();
    renderCharts();
  });
}
