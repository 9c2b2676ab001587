/**
 * The small web page at `/`: upload a file, watch its progress over SSE (EventSource), ask a
 * question. The script is served from `/app.js` (the page's CSP allows only same-origin scripts)
 * and writes every piece of user or server data with `textContent`, never as HTML.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Company-on · Celeriac</title>
<link rel="icon" href="data:,">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  .upload { border: 1px solid #d5dbe3; border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
  .bar { height: .7rem; background: #e8ecf1; border-radius: 4px; overflow: hidden; margin: .3rem 0; }
  .fill { height: 100%; width: 0; background: #3b82f6; transition: width .2s; }
  .fill.done { background: #16a34a; } .fill.failed { background: #dc2626; }
  .status { font-size: .9rem; color: #4b5563; }
  textarea, input[type=text] { width: 100%; box-sizing: border-box; font: inherit; }
  .answer { white-space: pre-wrap; background: #f5f7fa; padding: .6rem .8rem; border-radius: 6px; }
  .source { font-size: .85rem; color: #4b5563; margin: .3rem 0; }
  .error { color: #b91c1c; }
</style>
</head>
<body>
<h1>Company-on</h1>
<p>Upload a PDF, DOCX, text or Markdown file: a Celeriac worker extracts, chunks and embeds it in the background while its progress streams here. Then ask a question about it. <a href="/monitor/">Monitor</a></p>
<form id="upload-form">
  <input type="file" id="file" name="file" required>
  <button type="submit">Upload and process</button>
</form>
<div id="uploads"></div>
<h2>Ask a question</h2>
<form id="chat-form">
  <input type="text" id="question" placeholder="What is the daily meal allowance for domestic travel?" required>
  <button type="submit">Ask</button>
</form>
<div id="chat"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

export const PAGE_SCRIPT = `const uploads = document.getElementById('uploads');
const chat = document.getElementById('chat');
const sessionId = sessionStorage.getItem('session') ?? crypto.randomUUID();
sessionStorage.setItem('session', sessionId);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function call(url, init) {
  const response = await fetch(url, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? response.statusText);
  return body;
}

document.getElementById('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('file');
  const file = input.files[0];
  if (!file) return;
  const card = el('div', 'upload');
  const title = el('strong', '', file.name);
  const bar = el('div', 'bar');
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  bar.setAttribute('aria-valuenow', '0');
  const fill = el('div', 'fill');
  bar.append(fill);
  const status = el('div', 'status', 'Uploading…');
  card.append(title, bar, status);
  uploads.prepend(card);
  try {
    const form = new FormData();
    form.append('file', file);
    const uploaded = await call('/uploads', { method: 'POST', body: form });
    title.textContent = uploaded.filename + ' (' + uploaded.size.toLocaleString() + ' bytes)';
    card.dataset.uploadId = uploaded.upload_id;
    await call('/start/' + encodeURIComponent(uploaded.upload_id), { method: 'POST' });
    const source = new EventSource('/uploads/' + encodeURIComponent(uploaded.upload_id) + '/events');
    source.addEventListener('progress', (message) => {
      const data = JSON.parse(message.data);
      const percent = Math.max(0, Math.min(100, Number(data.progress) || 0));
      fill.style.width = percent + '%';
      bar.setAttribute('aria-valuenow', String(percent));
      card.dataset.state = data.state;
      status.textContent = data.state + ' · ' + (data.stage ?? '') + ' · ' + data.message + ' (' + data.progress + '%)';
      if (data.state === 'SUCCESS') { fill.classList.add('done'); source.close(); }
      if (data.state === 'FAILURE') { fill.classList.add('failed'); status.classList.add('error'); source.close(); }
    });
  } catch (error) {
    status.textContent = 'Failed: ' + error.message;
    status.classList.add('error');
    card.dataset.state = 'FAILURE';
  }
  input.value = '';
});

document.getElementById('chat-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('question');
  const question = input.value.trim();
  if (!question) return;
  const entry = el('div', 'exchange');
  entry.append(el('p', '', 'Q: ' + question));
  const answer = el('div', 'answer', 'Thinking…');
  entry.append(answer);
  chat.prepend(entry);
  try {
    const reply = await call('/chat/' + encodeURIComponent(sessionId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    answer.textContent = reply.answer;
    entry.dataset.state = 'answered';
    reply.sources.forEach((source, i) => {
      entry.append(el('div', 'source', '[' + (i + 1) + '] ' + source.filename + ' · chunk ' + source.chunk_index + ' · score ' + source.score.toFixed(3) + ': ' + source.text.slice(0, 200) + '…'));
    });
  } catch (error) {
    answer.textContent = 'Failed: ' + error.message;
    answer.classList.add('error');
    entry.dataset.state = 'failed';
  }
});
`;
