// Errors from the API in the user's words: every error body carries a `detail` written for a person
// (api/errors.py); a rejected command also a `reason` (insufficient_funds, open_orders, ...).

export interface FieldProblem {
  field: string;
  message: string;
}

/** An HTTP answer that was not a success, or no answer at all (status 0). */
export class ApiError extends Error {
  readonly status: number;
  /** `status` of the error body: invalid, unauthorized, forbidden, not_found, conflict, busy, ... */
  readonly kind: string;
  /** A rejected command's reason (insufficient_funds, ...), when the ledger refused it. */
  readonly reason: string | null;
  /** For invalid input: each field and its problem. */
  readonly fields: FieldProblem[];
  /** Seconds to wait before a retry (429, 503). */
  readonly retryAfter: number | null;
  /** A command's id to retry with (503: the command may still be applied). */
  readonly commandId: string | null;

  constructor(status: number, message: string, extra: Partial<Pick<ApiError,
    "kind" | "reason" | "fields" | "retryAfter" | "commandId">> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.kind = extra.kind ?? (status === 0 ? "network" : "error");
    this.reason = extra.reason ?? null;
    this.fields = extra.fields ?? [];
    this.retryAfter = extra.retryAfter ?? null;
    this.commandId = extra.commandId ?? null;
  }
}

const FALLBACK: Record<number, string> = {
  0: "The dashboard cannot reach the API: check that it is running, then try again.",
  401: "Your session has ended: sign in again.",
  403: "You may not do this.",
  404: "Not found.",
  413: "That is too large to send.",
  429: "Too many requests: wait a moment and try again.",
  500: "The API failed on this request; its log says why.",
  502: "The API cannot be reached through the proxy.",
  503: "The service is not available right now: try again in a moment.",
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fieldProblems(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) return [];
  return errors.filter(isRecord).map((e) => ({
    field: String(e.field ?? e.loc ?? "body"),
    message: String(e.message ?? e.msg ?? ""),
  }));
}

/** The error an answer stands for, worded from its body (ErrorOut or a rejected CommandOut). */
export function errorFromResponse(status: number, body: unknown, headers?: Headers): ApiError {
  const retry = headers?.get("Retry-After");
  const retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : null;
  if (isRecord(body)) {
    const detail = typeof body.detail === "string" && body.detail ? body.detail : null;
    const reason = typeof body.reason === "string" && body.reason ? body.reason : null;
    const fields = fieldProblems(body.errors);
    let message = detail ?? (reason ? reason.replaceAll("_", " ") : null) ?? FALLBACK[status] ?? `The API answered ${status}.`;
    if (body.status === "rejected" && reason && detail && !detail.includes(reason)) {
      message = `Refused (${reason.replaceAll("_", " ")}): ${detail}`;
    }
    return new ApiError(status, message, {
      kind: typeof body.status === "string" ? body.status : undefined,
      reason, fields, retryAfter,
      commandId: typeof body.command_id === "string" ? body.command_id : null,
    });
  }
  if (typeof body === "string" && body.trim() && body.length < 300 && !body.trimStart().startsWith("<")) {
    return new ApiError(status, body.trim(), { retryAfter });
  }
  return new ApiError(status, FALLBACK[status] ?? `The API answered ${status}.`, { retryAfter });
}

/** A message for anything thrown: an ApiError's own words, else a plain sentence. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.name === "AbortError") return "Cancelled.";
  if (error instanceof TypeError) return FALLBACK[0]!; // fetch's "Failed to fetch"
  return error instanceof Error ? error.message : String(error);
}
