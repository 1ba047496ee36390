// The shape every status column in this product follows (STYLE §5): a table of allowed moves, and
// writers that move a row with one conditional update (`updateMany where status in from`), which
// succeeds for exactly one of any number of concurrent callers (I3). Each domain's module
// (order-state, vm-state, …) defines its table here and owns the writes for its table.

export class TransitionError extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine} cannot go from ${from} to ${to}`);
    this.name = "TransitionError";
  }
}

export type StateMachine<S extends string> = {
  /** Whether `to` may follow `from`. */
  can(from: S, to: S): boolean;
  /** The source states as a list, after checking each may move to `to` (throws TransitionError). */
  sources(from: S | readonly S[], to: S): S[];
};

/** `stay: true` lets a state "move" to itself (a re-run writing the same status is a no-op). */
export function defineStateMachine<S extends string>(machine: string, allowed: Record<S, readonly S[]>, options: { stay?: boolean } = {}): StateMachine<S> {
  const can = (from: S, to: S) => (options.stay === true && from === to) || allowed[from].includes(to);
  return {
    can,
    sources(from, to) {
      const list = (Array.isArray(from) ? [...from] : [from]) as S[];
      for (const source of list) if (!can(source, to)) throw new TransitionError(machine, source, to);
      return list;
    },
  };
}
