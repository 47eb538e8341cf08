/**
 * A synchronous request/response channel between the main thread and one worker over SharedArrayBuffers: the main
 * thread writes a JSON request, wakes the worker and waits for the answer (a short spin, then Atomics.wait with a
 * timeout). Payloads larger than the buffer go in chunks. Used for matching shards, where the engine's stages must
 * stay synchronous so every shard setting gives the same events (docs/running.md, "Shards").
 */
import { Buffer } from 'node:buffer';

// ctrl slots
const REQ = 0; // request counter (main -> worker)
const RES = 1; // response counter (worker -> main)
const REQ_LEN = 2; // bytes of this request chunk; -1 - n when more chunks follow
const RES_LEN = 3; // bytes of this response chunk; -1 - n when more chunks follow
const CTRL_SLOTS = 4;

export interface ChannelBuffers {
  readonly ctrl: SharedArrayBuffer;
  readonly req: SharedArrayBuffer;
  readonly res: SharedArrayBuffer;
}

export function createChannelBuffers(bytes = 1 << 20): ChannelBuffers {
  return {
    ctrl: new SharedArrayBuffer(CTRL_SLOTS * 4),
    req: new SharedArrayBuffer(bytes),
    res: new SharedArrayBuffer(bytes),
  };
}

/** The peer did not answer within the timeout (it crashed, hung or was terminated). */
export class ChannelTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'ChannelTimeoutError';
  }
}

const MORE = '{"$more":1}';

/** The worker's handler threw; the message carries its stack. */
export class RemoteError extends Error {
  constructor(stack: string) {
    super(stack);
    this.name = 'RemoteError';
  }
}

/** Main-thread side. */
export class SyncChannelClient {
  private readonly ctrl: Int32Array;
  private readonly req: Buffer;
  private readonly res: Buffer;
  private counter = 0;

  constructor(
    buffers: ChannelBuffers,
    private readonly timeoutMs = 10_000,
    private readonly spin = 2_000,
  ) {
    this.ctrl = new Int32Array(buffers.ctrl);
    this.req = Buffer.from(buffers.req);
    this.res = Buffer.from(buffers.res);
  }

  /** Sends one request (any JSON value) and returns the parsed answer. Blocks the calling thread. */
  call(message: unknown): unknown {
    const text = JSON.stringify(message);
    const cap = this.req.length;
    const bytes = Buffer.byteLength(text);
    if (bytes <= cap) {
      this.send(text, bytes, false);
    } else {
      // chunks of at most cap/4 characters are at most cap bytes in UTF-8
      const step = cap >> 2;
      for (let i = 0; i < text.length; i += step) {
        const part = text.slice(i, i + step);
        const last = i + step >= text.length;
        this.send(part, Buffer.byteLength(part), !last);
        if (!last) this.receive();
      }
    }
    let answer = '';
    for (;;) {
      const { text: t, more } = this.receive();
      answer += t;
      if (!more) break;
      this.send(MORE, MORE.length, false);
    }
    const parsed = JSON.parse(answer) as { ok?: unknown; error?: string };
    if (parsed.error !== undefined) throw new RemoteError(parsed.error);
    return parsed.ok;
  }

  private send(text: string, bytes: number, more: boolean): void {
    this.req.write(text, 0, 'utf8');
    Atomics.store(this.ctrl, REQ_LEN, more ? -1 - bytes : bytes);
    this.counter = (this.counter + 1) | 0;
    Atomics.store(this.ctrl, REQ, this.counter);
    Atomics.notify(this.ctrl, REQ);
  }

  private receive(): { text: string; more: boolean } {
    const want = this.counter;
    const ctrl = this.ctrl;
    let n = this.spin;
    while (Atomics.load(ctrl, RES) !== want && n-- > 0) {
      /* spin */
    }
    if (Atomics.load(ctrl, RES) !== want) {
      const deadline = performance.now() + this.timeoutMs;
      for (;;) {
        const seen = Atomics.load(ctrl, RES);
        if (seen === want) break;
        const left = deadline - performance.now();
        if (left <= 0) throw new ChannelTimeoutError(this.timeoutMs);
        Atomics.wait(ctrl, RES, seen, left);
      }
    }
    const len = Atomics.load(ctrl, RES_LEN);
    const more = len < 0;
    const bytes = more ? -1 - len : len;
    return { text: this.res.toString('utf8', 0, bytes), more };
  }
}

/** Worker side: answers requests forever with `handle` (sync). Never returns. */
export function serveSyncChannel(buffers: ChannelBuffers, handle: (message: unknown) => unknown, spin = 2_000): never {
  const ctrl = new Int32Array(buffers.ctrl);
  const req = Buffer.from(buffers.req);
  const res = Buffer.from(buffers.res);
  let seen = 0; // the client counts from 0; a request sent before this line runs is still seen
  const next = (): { text: string; more: boolean } => {
    let n = spin;
    while (Atomics.load(ctrl, REQ) === seen && n-- > 0) {
      /* spin */
    }
    while (Atomics.load(ctrl, REQ) === seen) Atomics.wait(ctrl, REQ, seen);
    seen = Atomics.load(ctrl, REQ);
    const len = Atomics.load(ctrl, REQ_LEN);
    const more = len < 0;
    const bytes = more ? -1 - len : len;
    return { text: req.toString('utf8', 0, bytes), more };
  };
  const reply = (text: string, bytes: number, more: boolean) => {
    res.write(text, 0, 'utf8');
    Atomics.store(ctrl, RES_LEN, more ? -1 - bytes : bytes);
    Atomics.store(ctrl, RES, seen);
    Atomics.notify(ctrl, RES);
  };
  for (;;) {
    let { text, more } = next();
    while (more) {
      reply('', 0, false); // chunk received
      const c = next();
      text += c.text;
      more = c.more;
    }
    let answer: string;
    try {
      answer = JSON.stringify({ ok: handle(JSON.parse(text)) });
    } catch (e) {
      answer = JSON.stringify({ error: (e as Error).stack ?? String(e) });
    }
    const cap = res.length;
    const bytes = Buffer.byteLength(answer);
    if (bytes <= cap) {
      reply(answer, bytes, false);
      continue;
    }
    const step = cap >> 2;
    for (let i = 0; i < answer.length; i += step) {
      const part = answer.slice(i, i + step);
      const last = i + step >= answer.length;
      reply(part, Buffer.byteLength(part), !last);
      if (!last) next(); // the client asks for the next chunk
    }
  }
}
