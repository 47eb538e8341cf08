/**
 * An ordered shutdown that runs once: each step in turn, every step even when an earlier one failed (the journal
 * must still be flushed when closing the HTTP server threw), and the same promise to every caller, so a second quit
 * request waits for the first instead of closing twice.
 */

export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void> | void;
}

export interface ShutdownReport {
  /** Steps in the order they finished, each with its error when it failed. */
  readonly steps: readonly { readonly name: string; readonly error: Error | null }[];
  readonly ok: boolean;
}

export type Shutdown = () => Promise<ShutdownReport>;

export function createShutdown(steps: readonly ShutdownStep[], log: (message: string) => void = () => {}): Shutdown {
  let running: Promise<ShutdownReport> | null = null;
  const runAll = async (): Promise<ShutdownReport> => {
    const done: { name: string; error: Error | null }[] = [];
    for (const step of steps) {
      try {
        await step.run();
        done.push({ name: step.name, error: null });
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        log(`shutdown: ${step.name} failed: ${error.message}`);
        done.push({ name: step.name, error });
      }
    }
    return { steps: done, ok: done.every((s) => s.error === null) };
  };
  return () => {
    running ??= runAll();
    return running;
  };
}
