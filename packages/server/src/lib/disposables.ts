/** Something that holds a timer, socket, subscription or connection and can let it go. */
export type Disposer = () => void | Promise<void>;

export interface DisposeFailure {
  name: string;
  err: unknown;
}

/**
 * Cleanups registered as things are made, run in the reverse order (the last thing made is the
 * first let go, as with VS Code's DisposableStore). Start-up registers each service's cleanup the
 * moment the service exists, so a start that fails half-way and a normal shutdown release exactly
 * the same things, in the same order, from one list.
 */
export class DisposableStore {
  private readonly items: { name: string; dispose: Disposer }[] = [];
  private disposing: Promise<DisposeFailure[]> | undefined;

  /** Registers a cleanup; returns the value it guards, so `const x = store.add(...)` reads naturally. */
  add<T>(name: string, value: T, dispose: (value: T) => void | Promise<void>): T {
    if (this.disposing) throw new Error(`cannot add ${name}: this store is already disposed`);
    this.items.push({ name, dispose: () => dispose(value) });
    return value;
  }

  /** Registers a cleanup with no value to hand back. */
  defer(name: string, dispose: Disposer): void {
    this.add(name, undefined, dispose);
  }

  /**
   * Runs every cleanup once, newest first. One that throws does not stop the others: its failure
   * is returned so the caller can log it. Calling it again returns the first run's result.
   */
  dispose(): Promise<DisposeFailure[]> {
    this.disposing ??= (async () => {
      const failures: DisposeFailure[] = [];
      for (const item of this.items.reverse()) {
        try {
          await item.dispose();
        } catch (err) {
          failures.push({ name: item.name, err });
        }
      }
      this.items.length = 0;
      return failures;
    })();
    return this.disposing;
  }
}
