// Workers and queues: tables, heartbeats, purge and dead letters.

import { api } from './api.js';
import { $, ago, el, short, stateBadge, time } from './dom.js';
import { state } from './state.js';

export async function refreshWorkers() {
  const { workers } = await api('api/workers');
  state.workers = workers;
  renderWorkers();
}

/** A heartbeat carries the worker's counts: show them without asking the server. */
export function applyHeartbeat(event) {
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

export function renderWorkers() {
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

export async function refreshQueues() {
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

export async function purge(queue) {
  if (!window.confirm(`Remove every waiting message of queue "${queue}"?`)) return;
  await api(`api/queues/${encodeURIComponent(queue)}/purge`, { method: 'POST' });
  await refreshQueues();
}

export async function showDeadLetters(queue) {
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

export function renderSummary() {
  const online = state.workers.filter((w) => w.status === 'online').length;
  $('#summary').textContent = `${online} worker${online === 1 ? '' : 's'} online`;
}
