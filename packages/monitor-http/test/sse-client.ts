import { waitFor } from '@celeriac/core/testing';

/** One Server-Sent Events message as a client sees it. */
export interface SseFrame {
  id?: string;
  event?: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON read field by field in tests.
  data?: any;
  comments: string[];
  retry?: number;
}

/** A streaming SSE reader over fetch, with the frames received so far. */
export interface SseClient {
  status: number;
  headers: Headers;
  frames: SseFrame[];
  /** Frames with a `data:` field. */
  messages(): SseFrame[];
  /** Wait until a frame matching `predicate` arrived; resolves to it. */
  waitFor(predicate: (frame: SseFrame) => boolean, timeout?: number): Promise<SseFrame>;
  close(): void;
}

function parseBlock(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length > 0) frame.data = JSON.parse(data.join('\n'));
  return frame;
}

export async function openSse(url: string | URL, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          frames.push(parseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    frames,
    messages: () => frames.filter((frame) => frame.data !== undefined),
    async waitFor(predicate, timeout = 5000) {
      let found: SseFrame | undefined;
      await waitFor(
        () => {
          found = frames.find(predicate);
          return found !== undefined;
        },
        { timeout, message: () => `no matching SSE frame among ${frames.length}` },
      );
      return found!;
    },
    close: () => controller.abort(),
  };
}
