/**
 * A small typed logger. Warnings carry a category so that callers (the page,
 * the CLI, tests) can filter or count them.
 */

/** Categories of warnings that eos-atlas emits. */
export type WarningCategory = 'device' | 'fallback' | 'precision' | 'performance';

/** Destination of log records. */
export interface LogSink {
  info(scope: string, message: string): void;
  warn(scope: string, category: WarningCategory, message: string): void;
}

/** Writes records to the console. */
export const consoleSink: LogSink = {
  info: (scope, message) => console.info(`[eos-atlas ${scope}] ${message}`),
  warn: (scope, category, message) => console.warn(`[eos-atlas ${scope}] ${category}: ${message}`),
};

let sink: LogSink = consoleSink;

/** Replaces the destination of every logger (for example to silence or capture records in tests). */
export function setLogSink(next: LogSink): void {
  sink = next;
}

/** A logger bound to one scope, such as `gpu` or `cli`. */
export interface Logger {
  info(message: string): void;
  warn(category: WarningCategory, message: string): void;
}

/** Creates a logger for `scope`. */
export function createLogger(scope: string): Logger {
  return {
    info: (message) => sink.info(scope, message),
    warn: (category, message) => sink.warn(scope, category, message),
  };
}
