import { decodeCursor, encodeCursor } from './page-cursor.ts';

/** The audit page cursor: the shared cursor format (page-cursor.ts) over the position of the last item. */
const POSITION = /^\d{20}:\d{20}$/;

export const encodeAuditCursor = (position: string): string => encodeCursor(position);

/** The position a cursor stands for; a cursor this server did not make is a 400. */
export const decodeAuditCursor = (cursor: string): string => decodeCursor(cursor, POSITION);
