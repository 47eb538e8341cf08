import { describe, expect, it } from 'vitest';
import { FrameLoop, Live } from '../../../src-renderer/logic/frame-loop.ts';

/** A scheduler whose frames run when the test says, at the times it says. */
function fakeFrames() {
  let next: ((t: number) => void) | null = null;
  let requests = 0;
  return {
    scheduler: {
      request(cb: (t: number) => void) {
        requests++;
        next = cb;
        return requests;
      },
      cancel() {
        next = null;
      },
    },
    frame(t: number) {
      const cb = next;
      next = null;
      cb?.(t);
    },
    get pending() {
      return next !== null;
    },
  };
}

describe('FrameLoop', () => {
  it('runs painters at most once per frame however often it is invalidated', () => {
    const f = fakeFrames();
    const loop = new FrameLoop(0, f.scheduler);
    let runs = 0;
    loop.add(() => runs++);
    for (let i = 0; i < 1000; i++) loop.invalidate();
    f.frame(16);
    expect(runs).toBe(1);
    expect(f.pending).toBe(false);
    f.frame(32);
    expect(runs).toBe(1);
  });

  it('caps the paint rate', () => {
    const f = fakeFrames();
    const loop = new FrameLoop(30, f.scheduler);
    let runs = 0;
    loop.add(() => runs++);
    f.frame(1000);
    expect(runs).toBe(1);
    loop.invalidate();
    f.frame(1016);
    expect(runs).toBe(1);
    expect(f.pending).toBe(true);
    f.frame(1033);
    expect(runs).toBe(2);
    expect(loop.paints).toBe(2);
  });

  it('keeps going after a painter throws', () => {
    const f = fakeFrames();
    const loop = new FrameLoop(0, f.scheduler);
    let ok = 0;
    const err = console.error;
    console.error = () => {};
    loop.add(() => {
      throw new Error('boom');
    });
    loop.add(() => ok++);
    f.frame(1);
    console.error = err;
    expect(ok).toBe(1);
  });
});

describe('Live', () => {
  it('tells listeners once per frame, after any number of changes', () => {
    const f = fakeFrames();
    const loop = new FrameLoop(0, f.scheduler);
    const live = new Live(0, loop);
    let told = 0;
    live.subscribe(() => told++);
    for (let i = 1; i <= 50; i++) live.set(i);
    expect(told).toBe(0);
    expect(live.get()).toBe(50);
    f.frame(1);
    expect(told).toBe(1);
    expect(live.getVersion()).toBe(50);
    live.set(51);
    f.frame(2);
    expect(told).toBe(2);
  });
});
