// The Celeriac monitor dashboard: plain JavaScript, no build step.
// Rules: every URL is relative (the monitor may be mounted under any prefix), and every piece of
// data reaches the page through textContent or attributes, never as HTML: task arguments, results
// and errors are user data.

const CSRF = { 'X-Celeriac-CSRF': '1' };
const STATES_FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
const STATE_OF_EVENT = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-retried': 'RETRY',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};
const RANK = { PENDING: 0, RECEIVED: 1, STARTED: 2, PROGRESS: 3, RETRY: 3 };
const MAX_ROWS = 200;

const $ = (selector) => document.querySelector(selector);

const state = {
  config: { readOnly: false, auth: 'none' },
  tasks: new Map(),
  order: [],
  selected: null,
  filters: { state: '', name: '', worker: '' },
  throughput: { bucketMs: 10_000, buckets: [] },
  workers: [],
};

/** Build an element: attributes are set as attributes or properties, children as text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function stateBadge(value) {
  return el('span', { class: 'state', dataset: { state: value } }, value);
}

function json(value) {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

function short(value, max = 80) {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}

function ago(ms) {
  if (!ms) return '';
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

function runtime(ms) {
  if (ms === null || ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

async function api(path, options = {}) {
  const headers = { ...CSRF };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { credentials: 'same-origin', ...options, headers });
  if (res.status === 401) {
    location.assign('login');
    throw new Error('Signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

// ---------- workers and queues

async function refreshWorkers() {
  const { workers } = await api('api/workers');
  state.workers = workers;
  renderWorkers();
}

/** A heartbeat carries the worker's counts: show them without asking the server. */
function applyHeartbeat(event) {
  const worker = state.workers.find((w) => w.hostname === event.hostname);
  if (!worker) return void refreshWorkers().catch(() => undefined);
  Object.assign(worker, {
    status: 'online',
    active: event.active,
    processed: event.processed,
    lastHeartbeat: event.timestamp,
  });
  renderWorkers();
}

function renderWorkers() {
  const workers = state.workers;
  $('#workers tbody').replaceChildren(
    ...workers.map((w) =>
      el(
        'tr',
        { dataset: { worker: w.hostname, status: w.status } },
        el('td', { class: 'mono', title: w.hostname }, w.hostname),
        el('td', {}, stateBadge(w.status)),
        el('td', { class: 'num' }, w.active),
        el('td', { class: 'num' }, w.processed),
        el('td', { class: 'num' }, w.load ? w.load.map((n) => n.toFixed(2)).join(' / ') : ''),
        el('td', {}, w.status === 'online' ? ago(w.lastHeartbeat) : `offline ${ago(w.offlineAt)}`),
        el('td', { title: w.queues.join(', ') }, w.queues.join(', ')),
      ),
    ),
  );
  $('#workers-empty').hidden = workers.length > 0;
  renderSummary();
}

async function refreshQueues() {
  const { queues } = await api('api/queues');
  $('#queues tbody').replaceChildren(
    ...queues.map((q) =>
      el(
        'tr',
        { dataset: { queue: q.name } },
        el('td', { class: 'mono' }, q.name),
        ...(q.error
          ? [el('td', { colspan: 4, class: 'error' }, q.error)]
          : [q.ready, q.delayed, q.unacked, q.dead].map((n) => el('td', { class: 'num' }, n))),
        el(
          'td',
          {},
          el('button', { type: 'button', class: 'link', onclick: () => showDeadLetters(q.name) }, 'dead letters'),
          state.config.readOnly
            ? null
            : el('button', { type: 'button', class: 'link', onclick: () => purge(q.name) }, 'purge'),
        ),
      ),
    ),
  );
}

async function purge(queue) {
  if (!window.confirm(`Remove every waiting message of queue "${queue}"?`)) return;
  await api(`api/queues/${encodeURIComponent(queue)}/purge`, { method: 'POST' });
  await refreshQueues();
}

async function showDeadLetters(queue) {
  const { deadLetters } = await api(`api/queues/${encodeURIComponent(queue)}/dead-letters?limit=50`);
  const box = $('#dead-letters');
  box.hidden = false;
  $('#dead-letters-title').textContent = `Dead letters of ${queue} (${deadLetters.length})`;
  const base = `api/queues/${encodeURIComponent(queue)}/dead-letters/`;
  const act = async (id, verb) => {
    await api(`${base}${encodeURIComponent(id)}/${verb}`, { method: 'POST' });
    await Promise.all([showDeadLetters(queue), refreshQueues()]);
  };
  box
    .querySelector('tbody')
    .replaceChildren(
      ...deadLetters.map((d) =>
        el(
          'tr',
          {},
          el('td', { class: 'mono', title: d.id }, short(d.id, 14)),
          el('td', {}, d.task ?? '(undecodable)'),
          el('td', { title: d.reason }, d.reason),
          el('td', {}, time(d.deadLetteredAt)),
          el(
            'td',
            {},
            state.config.readOnly
              ? null
              : [
                  el('button', { type: 'button', class: 'link', onclick: () => act(d.id, 'requeue') }, 'requeue'),
                  el('button', { type: 'button', class: 'link', onclick: () => act(d.id, 'delete') }, 'delete'),
                ],
          ),
        ),
      ),
    );
}

// ---------- tasks

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

async function loadTasks() {
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
function applyTaskEvent(event) {
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

function renderTasks() {
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
          onclick: () => select(task.id),
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
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderTasks();
    renderCharts();
  });
}

// ---------- task detail

async function select(id) {
  state.selected = id;
  $('.split').classList.add('open');
  $('#detail').hidden = false;
  $('#action-status').textContent = '';
  renderTasks();
  await refreshDetail();
}

async function refreshDetail() {
  const id = state.selected;
  if (!id) return;
  let detail;
  try {
    detail = await api(`api/tasks/${encodeURIComponent(id)}`);
  } catch (error) {
    $('#detail-title').textContent = `${id}: ${error.message}`;
    return;
  }
  if (state.selected !== id) return;
  const { task, logs } = detail;
  // The server's view wins (e.g. a revoke before the task ran, which no worker reported yet).
  const row = state.tasks.get(id);
  if (row && row.state !== task.state) {
    row.state = task.state;
    scheduleRender();
  }
  $('#detail').dataset.state = task.state;
  $('#detail-title').replaceChildren(stateBadge(task.state), ` ${task.name ?? '(unknown task)'}`);
  const fields = [
    ['Id', task.id],
    ['Queue', task.queue],
    ['Worker', task.worker],
    ['Retries', task.retries],
    ['Sent', time(task.sentAt)],
    ['Started', time(task.startedAt)],
    ['Finished', time(task.finishedAt)],
    ['Runtime', runtime(task.runtime)],
    ['Reason', task.reason],
    ['Retry of', task.retryOf],
    ['Retried as', task.retriedAs?.join(', ')],
  ].filter(([, value]) => value !== undefined && value !== null && value !== '');
  $('#detail-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('#detail-args').textContent = task.args === null ? '(unknown)' : json(task.args);
  $('#detail-result-box').hidden = task.result === undefined;
  $('#detail-result').textContent = json(task.result);
  $('#detail-error-box').hidden = !task.error;
  $('#detail-error').textContent = task.error ? `${task.error.name}: ${task.error.message}` : '';
  $('#detail-stack').textContent = task.error?.stack ?? '';
  $('#detail-meta-box').hidden = task.meta === undefined;
  $('#detail-meta').textContent = json(task.meta);
  $('#detail-timeline').replaceChildren(
    ...task.timeline.map((entry) =>
      el(
        'li',
        {},
        `${time(entry.timestamp)} ${entry.type} @ ${entry.hostname}`,
        entry.detail ? ` ${short(entry.detail, 160)}` : '',
      ),
    ),
  );
  $('#detail-logs').textContent = logs.length > 0 ? logs.join('\n') : '(none)';
  const final = STATES_FINAL.has(task.state);
  const buttons = document.querySelectorAll('#detail [data-action]');
  for (const button of buttons) {
    button.hidden = state.config.readOnly;
    const action = button.dataset.action;
    button.disabled = action === 'retry' ? !(task.state === 'FAILURE' || task.state === 'REVOKED') : final;
  }
}

async function act(action) {
  const id = state.selected;
  const status = $('#action-status');
  status.textContent = `${action}…`;
  try {
    if (action === 'retry') {
      const { taskId } = await api(`api/tasks/${encodeURIComponent(id)}/retry`, { method: 'POST', body: '{}' });
      status.textContent = `sent again as ${taskId}`;
    } else {
      const terminate = action === 'terminate';
      await api(`api/tasks/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: JSON.stringify({ terminate }) });
      status.textContent = terminate ? 'revoked and terminated' : 'revoked';
    }
  } catch (error) {
    status.textContent = `failed: ${error.message}`;
  }
  await refreshDetail();
}

let detailTimer;
function scheduleDetail() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(refreshDetail, 150);
}

// ---------- charts

function applyThroughput(event) {
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

function barChart(target, buckets, series) {
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

function renderCharts() {
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

function renderSummary() {
  const online = state.workers.filter((w) => w.status === 'online').length;
  $('#summary').textContent = `${online} worker${online === 1 ? '' : 's'} online`;
}

// ---------- live events

let stream;
let reconnectTimer;
function connect() {
  clearTimeout(reconnectTimer);
  stream?.close();
  stream = new EventSource('events');
  const live = $('#live');
  stream.onopen = () => {
    const wasDown = !$('#disconnected').hidden;
    $('#disconnected').hidden = true;
    live.dataset.state = 'open';
    live.textContent = 'live';
    // Anything missed while away is reloaded (the stream also replays from Last-Event-ID).
    if (wasDown) void refreshAll();
  };
  stream.onerror = () => {
    $('#disconnected').hidden = false;
    live.dataset.state = 'closed';
    live.textContent = 'disconnected';
    // EventSource retries by itself unless the server answered with an error; then retry here.
    if (stream.readyState === EventSource.CLOSED) reconnectTimer = setTimeout(connect, 3000);
  };
  stream.addEventListener('gap', () => void loadTasks());
  stream.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event.type.startsWith('worker-')) {
      if (event.type === 'worker-heartbeat') applyHeartbeat(event);
      else void refreshWorkers().catch(() => undefined);
      return;
    }
    applyTaskEvent(event);
    applyThroughput(event);
    if (event.taskId === state.selected) scheduleDetail();
    scheduleRender();
  };
}

async function refreshAll() {
  await Promise.allSettled([refreshWorkers(), refreshQueues(), loadTasks(), loadThroughput()]);
}

async function loadThroughput() {
  state.throughput = await api('api/throughput');
  renderCharts();
}

async function loadConfig() {
  state.config = await api('api/config');
  $('#readonly').hidden = !state.config.readOnly;
  $('#logout').hidden = state.config.auth === 'none' || state.config.auth === 'function';
  $('#task-names').replaceChildren(...state.config.taskNames.map((name) => el('option', { value: name })));
}

function start() {
  const form = $('#filters');
  const onFilter = () => {
    const data = new FormData(form);
    state.filters = {
      state: String(data.get('state') ?? ''),
      name: String(data.get('name') ?? '').trim(),
      worker: String(data.get('worker') ?? '').trim(),
    };
    void loadTasks();
  };
  form.addEventListener('change', onFilter);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onFilter();
  });
  let typing;
  form.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(onFilter, 300);
  });
  for (const button of document.querySelectorAll('#detail [data-action]')) {
    button.addEventListener('click', () => void act(button.dataset.action));
  }
  $('#detail-close').addEventListener('click', () => {
    state.selected = null;
    $('#detail').hidden = true;
    $('.split').classList.remove('open');
    renderTasks();
  });
  $('#logout').addEventListener('click', async () => {
    await fetch('logout', { method: 'POST', headers: CSRF, credentials: 'same-origin' });
    location.assign('login');
  });
  connect();
  void loadConfig()
    .catch(() => undefined)
    .then(refreshAll);
  setInterval(() => void refreshWorkers().catch(() => undefined), 5000);
  setInterval(() => void refreshQueues().catch(() => undefined), 5000);
  setInterval(() => {
    renderCharts();
    void loadConfig().catch(() => undefined);
  }, 10_000);
}

start();
