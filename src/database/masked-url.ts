/** `scheme://user:password@host` → `scheme://user:***@host`; anything else as it is. For messages and logs. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/i, '$1:***@');
}
