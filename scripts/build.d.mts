// Types for scripts/build.mjs (plain JavaScript: it runs before anything is compiled).
export const ROOT: string;
export const DIST: string;
export function staleness(): string | undefined;
export function build(): void;
export function ensureBuilt(options?: { log?: (line: string) => void }): void;
