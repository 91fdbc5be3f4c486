import type { WireInboundFrame, WireOutboundFrame } from './wire-types.ts';

/** The one place frames become text, so both sides encode identically. */
export function encodeFrame(frame: WireInboundFrame | WireOutboundFrame): string {
  return JSON.stringify(frame);
}

/** UTF-8 size of an encoded frame, the unit of the frame-size limit. */
export function encodedFrameBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
