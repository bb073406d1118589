// The session's CSRF token, kept in memory only (never in storage a script of another page could
// read). POST /auth/login answers it; after a reload GET /auth/me gives it again.

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called on every 401 (the session ended or was never there): the app shows the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function notifyUnauthorized(): void {
  csrfToken = null;
  for (const listener of unauthorizedListeners) listener();
}
