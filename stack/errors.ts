import type { ComponentName } from './layout.js';

/** A stack problem told to the person at the terminal: which component, what, where to look. */
export class StackError extends Error {
  constructor(
    readonly component: ComponentName | 'artifacts',
    message: string,
  ) {
    super(`${component}: ${message}`);
    this.name = 'StackError';
  }
}
