import { printableTextProblem } from '../values/printable-text.ts';

/** A home's name ("Aditya's Smart Home"): trimmed, 1–100 printable characters. */
export const HOME_NAME_MAX_LENGTH = 100;

/** What a home created before homes had names (or without one) is called. */
export const DEFAULT_HOME_NAME = 'Home';

/** Why `name` (already trimmed) is not a home name, or null when it is one. */
export const homeNameProblem = (name: string): string | null => printableTextProblem(name, HOME_NAME_MAX_LENGTH);
