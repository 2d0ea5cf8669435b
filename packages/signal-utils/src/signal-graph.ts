import { CircularWaitError } from './errors.js';

/** "`waiter` waits for a signal from `waitsFor`." */
export interface WaitEdge {
  waiter: string;
  waitsFor: string;
}

/**
 * Throws `CircularWaitError` naming the cycle when the declared waits form one (A waits for B, B waits
 * for A: neither ever proceeds). Signal flows should be directed acyclic graphs.
 *
 * @example
 * assertNoCircularWaits([{ waiter: 'load', waitsFor: 'extract' }, { waiter: 'extract', waitsFor: 'load' }]);
 * // throws CircularWaitError: Circular wait: extract → load → extract
 */
export function assertNoCircularWaits(edges: readonly WaitEdge[]): void {
  const next = new Map<string, string[]>();
  for (const { waiter, waitsFor } of edges) {
    next.set(waiter, [...(next.get(waiter) ?? []), waitsFor]);
  }
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  const visit = (node: string): void => {
    if (done.has(node)) return;
    if (onPath.has(node)) {
      throw new CircularWaitError([...path.slice(path.indexOf(node)), node]);
    }
    onPath.add(node);
    path.push(node);
    for (const target of next.get(node) ?? []) visit(target);
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of [...next.keys()].sort()) visit(node);
}
