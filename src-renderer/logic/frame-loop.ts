/**
 * The one paint loop of the page. Data handlers only mutate stores and call `invalidate()`; painters run at most
 * once per animation frame (and at most `maxFps` times a second), each redrawing its own DOM nodes or canvas if its
 * data changed. However fast messages arrive, the page does bounded work per frame and React never re-renders for
 * a market data message.
 */

export type Painter = (now: number) => void;

export interface FrameScheduler {
  request(cb: (now: number) => void): number;
  cancel(handle: number): void;
}

const browserScheduler: FrameScheduler = {
  request: (cb) => requestAnimationFrame(cb),
  cancel: (h) => cancelAnimationFrame(h),
};

export class FrameLoop {
  private readonly painters = new Set<Painter>();
  private handle: number | null = null;
  private lastRun = Number.NEGATIVE_INFINITY;
  private readonly minInterval: number;
  /** Frames in which painters ran. */
  paints = 0;

  constructor(
    maxFps = 30,
    private readonly scheduler: FrameScheduler = browserScheduler,
  ) {
    // a little slack so a 60 Hz display paints on every other frame at 30 fps, not every third
    this.minInterval = maxFps > 0 ? 1000 / maxFps - 2 : 0;
  }

  /** Adds a painter (run on the next frame too); returns its removal. */
  add(p: Painter): () => void {
    this.painters.add(p);
    this.invalidate();
    return () => {
      this.painters.delete(p);
    };
  }

  /** Something changed: paint on a coming frame. Cheap; call it for every message. */
  invalidate(): void {
    if (this.handle !== null) return;
    this.handle = this.scheduler.request(this.run);
  }

  stop(): void {
    if (this.handle !== null) this.scheduler.cancel(this.handle);
    this.handle = null;
  }

  private readonly run = (now: number): void => {
    this.handle = null;
    if (now - this.lastRun < this.minInterval) {
      this.handle = this.scheduler.request(this.run);
      return;
    }
    this.lastRun = now;
    this.paints++;
    for (const p of this.painters) {
      try {
        p(now);
      } catch (e) {
        console.error('deskex: a painter failed', e);
      }
    }
  };
}

/**
 * A value that changes often, read by React components at most once per frame: `set` stores it and bumps the
 * version; listeners (useSyncExternalStore) are told on the next paint, once, however many sets happened.
 */
export class Live<T> {
  version = 0;
  private readonly listeners = new Set<() => void>();
  private notifyScheduled = false;

  constructor(
    private value: T,
    private readonly loop: FrameLoop | null = null,
  ) {}

  get(): T {
    return this.value;
  }

  set(v: T): void {
    this.value = v;
    this.changed();
  }

  /** After mutating the value in place. */
  changed(): void {
    this.version++;
    if (this.loop === null) {
      for (const l of this.listeners) l();
      return;
    }
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    const remove = this.loop.add(() => {
      remove();
      this.notifyScheduled = false;
      for (const l of this.listeners) l();
    });
  }

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  readonly getVersion = (): number => this.version;
}

/** Sets a node's text only when it differs: an unchanged write still invalidates style and layout. */
export function setText(node: Node | null | undefined, text: string): void {
  if (node !== null && node !== undefined && node.textContent !== text) node.textContent = text;
}

/** Sets an element's class only when it differs. */
export function setClass(el: Element | null | undefined, cls: string): void {
  if (el !== null && el !== undefined && el.className !== cls) el.className = cls;
}
