// One task's detail panel: fields, arguments, result or error, timeline, logs, actions.

import { api } from './api.js';
import { $, el, json, runtime, short, stateBadge, time } from './dom.js';
import { STATES_FINAL, state } from './state.js';
import { renderTasks, scheduleRender } from './tasks.js';

export async function select(id) {
  state.selected = id;
  $('.split').classList.add('open');
  $('#detail').hidden = false;
  $('#action-status').textContent = '';
  renderTasks();
  await refreshDetail();
}

export async function refreshDetail() {
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

export async function act(action) {
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
export function scheduleDetail() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(refreshDetail, 150);
}

export function closeDetail() {
  state.selected = null;
  $('#detail').hidden = true;
  $('.split').classList.remove('open');
  renderTasks();
}
