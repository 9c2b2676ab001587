import type { ChannelModel } from 'amqplib';

interface Muxer {
  _readIncoming: () => void;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * amqplib's multiplexer writes each frame to the socket on its own: with `noDelay` (which latency
 * needs) that is one `write` syscall per ack and per publish, most of a busy worker's CPU on
 * loopback. Corking the socket while the multiplexer drains its channels turns each drain into one
 * `writev`, without holding any frame back (it uncorks before returning). This reaches into
 * amqplib's internals (the version is pinned); when they are not as expected, nothing changes.
 * Returns whether the writes are now coalesced.
 */
export function coalesceFrameWrites(model: ChannelModel): boolean {
  const connection = (model as unknown as { connection?: { muxer?: Partial<Muxer>; stream?: Partial<Corkable> } })
    .connection;
  const muxer = connection?.muxer;
  const stream = connection?.stream;
  if (
    typeof muxer?._readIncoming !== 'function' ||
    typeof stream?.cork !== 'function' ||
    typeof stream.uncork !== 'function'
  ) {
    return false;
  }
  const drain = muxer._readIncoming.bind(muxer);
  const socket = stream as Corkable;
  muxer._readIncoming = () => {
    socket.cork();
    try {
      drain();
    } finally {
      socket.uncork();
    }
  };
  return true;
}
