// The live event stream (GET events) and the banner that says when it is down.
import { $ } from './dom.js';

let stream;
let reconnectTimer;

/**
 * Follow the monitor's event stream. `onEvent` gets each cluster event; `onReconnect` runs when the
 * stream comes back after a disconnection, `onGap` when the server says events were lost.
 */
export function connect(handlers) {
  clearTimeout(reconnectTimer);
  stream?.close();
  stream = new EventSource('events');
  const live = $('#live');
  const banner = $('#disconnected');
  stream.onopen = () => {
    const wasDown = !banner.hidden;
    banner.hidden = true;
    live.dataset.state = 'open';
    live.textContent = 'live';
    // Anything missed while away is reloaded (the stream also replays from Last-Event-ID).
    if (wasDown) handlers.onReconnect();
  };
  stream.onerror = () => {
    banner.hidden = false;
    live.dataset.state = 'closed';
    live.textContent = 'disconnected';
    // EventSource retries by itself unless the server answered with an error; then retry here.
    if (stream.readyState === EventSource.CLOSED) reconnectTimer = setTimeout(() => connect(handlers), 3000);
  };
  stream.addEventListener('gap', () => handlers.onGap());
  stream.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    handlers.onEvent(event);
  };
}
