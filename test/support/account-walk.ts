import { expect } from 'vitest';
import { HttpClient } from './http.ts';

export interface WalkResult {
  userId: string;
  access: string;
  email: string;
  password: string;
}

/**
 * Drives every account use case over real HTTP: register, login, refresh, a re-presented first token, reuse detection, logout, profile
 * update, e-mail change, password change. Part of the catalogue walk (catalogue-walk.ts), with one walk per capability.
 */
export async function walkAccounts(baseUrl: string, tag = 'walk'): Promise<WalkResult> {
  const http = new HttpClient(baseUrl);
  const email = `${tag}-${Math.random().toString(36).slice(2)}@example.com`;
  const password = 'correct horse battery';
  const registered = await http.post('/api/auth/register', { email, password, name: 'Ada' });
  expect(registered.status).toBe(201);
  const userId = registered.body.user.id as string;

  const login = await http.post('/api/auth/login', { email, password });
  expect(login.status).toBe(200);
  const rotated = await http.post('/api/auth/refresh', { refresh: login.body.refresh });
  expect(rotated.status).toBe(200);
  // The field app's pattern: the first token again while its successor is unused (RefreshTokenRepresented).
  const represented = await http.post('/api/auth/token/refresh/', { refresh: login.body.refresh });
  expect(represented.status).toBe(200);
  // The newest successor used; the first token coming back after that is theft.
  expect((await http.post('/api/auth/refresh', { refresh: represented.body.refresh })).status).toBe(200);
  const reused = await http.post('/api/auth/refresh', { refresh: login.body.refresh });
  expect(reused.status).toBe(401);

  const loggedOut = await http.post('/api/auth/logout', { refresh: registered.body.refresh });
  expect(loggedOut.status).toBe(204);

  const user = http.withToken(registered.body.access as string);
  expect((await user.patch('/api/auth/profile', { name: 'Ada Lovelace' })).status).toBe(200);
  const newEmail = `${tag}-new-${Math.random().toString(36).slice(2)}@example.com`;
  expect((await user.patch('/api/auth/profile', { email: newEmail })).status).toBe(200);
  const newPassword = 'another long password';
  expect(
    (await user.post('/api/auth/change-password', { old_password: password, new_password: newPassword })).status,
  ).toBe(204);
  return { userId, access: registered.body.access as string, email: newEmail, password: newPassword };
}
