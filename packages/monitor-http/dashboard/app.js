// The Celeriac monitor dashboard: plain JavaScript modules, no build step.
// Rules: every URL is relative (the monitor may be mounted under any prefix), and every piece of
// data reaches the page through textContent or attributes, never as HTML: task arguments, results
// and errors are user data.
import { api, CSRF } from './api.js';
import { applyThroughput, loadThroughput, renderCharts } from './charts.js';
import { applyHeartbeat, refreshQueues, refreshWorkers } from './cluster.js';
import { act, closeDetail, scheduleDetail, select } from './detail.js';
import { $, el } from './dom.js';
import { state } from './state.js';
import { connect } from './stream.js';
import { applyTaskEvent, loadTasks, onTaskSelected, scheduleRender } from './tasks.js';

async function refreshAll() {
  await Promise.allSettled([refreshWorkers(), refreshQueues(), loadTasks(), loadThroughput()]);
}

async function loadConfig() {
  state.config = await api('api/config');
  $('#readonly').hidden = !state.config.readOnly;
  $('#logout').hidden = state.config.auth === 'none' || state.config.auth === 'function';
  $('#task-names').replaceChildren(...state.config.taskNames.map((name) => el('option', { value: name })));
}

function onEvent(event) {
  if (event.type.startsWith('worker-')) {
    if (event.type === 'worker-heartbeat') applyHeartbeat(event);
    else void refreshWorkers().catch(() => undefined);
    return;
  }
  applyTaskEvent(event);
  applyThroughput(event);
  if (event.taskId === state.selected) scheduleDetail();
  scheduleRender();
}

function watchFilters() {
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
}

function start() {
  watchFilters();
  onTaskSelected(select);
  for (const button of document.querySelectorAll('#detail [data-action]')) {
    button.addEventListener('click', () => void act(button.dataset.action));
  }
  $('#detail-close').addEventListener('click', closeDetail);
  $('#logout').addEventListener('click', async () => {
    await fetch('logout', { method: 'POST', headers: CSRF, credentials: 'same-origin' });
    location.assign('login');
  });
  connect({ onEvent, onReconnect: () => void refreshAll(), onGap: () => void loadTasks() });
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
