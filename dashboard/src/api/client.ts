// The one HTTP client of the dashboard: typed by the API's OpenAPI document (schema.ts), same-origin
// credentials (the session cookie), the CSRF header on every state-changing request, errors turned
// into ApiError in the user's words, and a 401 sends the user to the login page.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, errorFromResponse } from "./errors";
import { getCsrfToken, notifyUnauthorized } from "./session";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const csrf: Middleware = {
  onRequest({ request }) {
    const token = getCsrfToken();
    if (UNSAFE.has(request.method) && token) request.headers.set("X-CSRF-Token", token);
    return request;
  },
  onResponse({ response, request }) {
    // A failed login is a 401 too: that one is the login form's to show, not a sign-out.
    if (response.status === 401 && !new URL(request.url).pathname.endsWith("/auth/login")) notifyUnauthorized();
    return response;
  },
};

export const http = createClient<paths>({
  baseUrl: "", // same origin: the API serves the dashboard
  credentials: "same-origin",
  headers: { Accept: "application/json" },
});
http.use(csrf);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiError worded from its body (no answer at all: status 0). */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "The dashboard cannot reach the API: check that it is running, then try again.");
  }
  const { data, error, response } = answer;
  if (!response.ok) throw errorFromResponse(response.status, error, response.headers);
  return data as T;
}

/** A fresh idempotency key for a command the user gives once (kept by the caller for retries). */
export function newKey(prefix = "ui"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
