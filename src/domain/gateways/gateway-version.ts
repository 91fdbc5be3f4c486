import { printableTextProblem } from '../values/printable-text.ts';

/** The gateway software's version as the edge reports it at pairing ("1.0.0"): 1–50 printable characters. */
export const GATEWAY_VERSION_MAX_LENGTH = 50;

export const gatewayVersionProblem = (version: string): string | null =>
  printableTextProblem(version, GATEWAY_VERSION_MAX_LENGTH);
