/**
 * The API's one error body, `{ code, message, details? }`: codes are the engine's reject catalog
 * (src-engine/domain/reject-codes.ts, 1xxx-5xxx) plus the API's own (6xxx) below. Every code has one HTTP status.
 */
import { REJECTS, type Reject, type RejectCode } from '../../src-engine/domain/reject-codes.ts';

export const API_ERRORS = {
  API_INVALID_JSON: { number: 6001, status: 400, message: 'The request body is not valid JSON.' },
  API_UNSUPPORTED_MEDIA_TYPE: { number: 6002, status: 415, message: 'Send the body as application/json.' },
  API_VALIDATION_FAILED: { number: 6003, status: 400, message: 'The request does not match its schema.' },
  API_BODY_TOO_LARGE: { number: 6004, status: 413, message: 'The request body is larger than the limit.' },
  API_UNAUTHENTICATED: {
    number: 6005,
    status: 401,
    message: 'Log in or send an API key (Authorization: Bearer <key>).',
  },
  API_FORBIDDEN: { number: 6006, status: 403, message: 'Your role or key does not allow this.' },
  API_NOT_FOUND: { number: 6007, status: 404, message: 'Nothing here has this id or path.' },
  API_RATE_LIMITED: { number: 6008, status: 429, message: 'Too many requests; wait for Retry-After seconds.' },
  API_HOST_NOT_ALLOWED: { number: 6009, status: 421, message: 'The Host header names no address this server serves.' },
  API_ORIGIN_NOT_ALLOWED: { number: 6010, status: 403, message: 'Requests from this Origin are not allowed.' },
  API_LOGIN_FAILED: {
    number: 6011,
    status: 401,
    message: 'The username or password is wrong, or the user is disabled.',
  },
  API_CONFLICT: { number: 6012, status: 409, message: 'This conflicts with what exists.' },
  API_EXCHANGE_UNAVAILABLE: { number: 6013, status: 503, message: 'The exchange is not taking commands now.' },
  API_INSTRUMENT_UNAVAILABLE: {
    number: 6014,
    status: 503,
    message: "The instrument's matching shard is down; its commands are refused.",
  },
  API_REQUEST_TIMEOUT: { number: 6015, status: 408, message: 'The request took too long to arrive.' },
  API_NOT_ACCEPTABLE: { number: 6016, status: 406, message: 'This resource is not available in that format.' },
  API_WS_MESSAGE_TOO_LARGE: { number: 6101, status: 400, message: 'The WebSocket message is larger than the limit.' },
  API_WS_UNKNOWN_CHANNEL: { number: 6102, status: 400, message: 'No channel has this name.' },
  API_WS_UNKNOWN_OP: { number: 6103, status: 400, message: 'No request has this op.' },
  API_INTERNAL: { number: 6999, status: 500, message: 'Something failed inside the server; it was logged.' },
} as const;

export type ApiCode = keyof typeof API_ERRORS;
export type ErrorCode = ApiCode | RejectCode;

/** HTTP status of each engine reject: a refused but well-formed request is 422 unless a closer status fits. */
const REJECT_STATUS: Partial<Record<RejectCode, number>> = {
  VALIDATION_MALFORMED_COMMAND: 400,
  VALIDATION_UNKNOWN_INSTRUMENT: 404,
  VALIDATION_DUPLICATE_ORDER_ID: 409,
  ACCOUNT_UNKNOWN: 404,
  ACCOUNT_DUPLICATE: 409,
  MATCHING_UNKNOWN_ORDER: 404,
  MATCHING_NOT_ORDER_OWNER: 403,
  RISK_ORDER_RATE_EXCEEDED: 429,
  ADMIN_DUPLICATE_INSTRUMENT: 409,
};

export function statusOf(code: ErrorCode): number {
  if (code in API_ERRORS) return API_ERRORS[code as ApiCode].status;
  return REJECT_STATUS[code as RejectCode] ?? 422;
}

export function numberOf(code: ErrorCode): number {
  if (code in API_ERRORS) return API_ERRORS[code as ApiCode].number;
  return REJECTS[code as RejectCode].code;
}

export interface ErrorBody {
  readonly code: ErrorCode;
  /** The code's number in the catalog (1xxx-6xxx). */
  readonly number: number;
  readonly message: string;
  readonly details?: unknown;
}

/** An error a route throws to answer with a catalog code. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? (code in API_ERRORS ? API_ERRORS[code as ApiCode].message : REJECTS[code as RejectCode].message));
    this.name = 'ApiError';
    this.status = statusOf(code);
  }

  body(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, number: numberOf(this.code), message: this.message }
      : { code: this.code, number: numberOf(this.code), message: this.message, details: this.details };
  }
}

export function rejectError(r: Reject): ApiError {
  return new ApiError(r.code, r.message, r.details);
}

/** Every code with its number, HTTP status and message: served at /api/v1/errors and listed in docs/api.md. */
export function errorCatalog(): { code: ErrorCode; number: number; status: number; message: string }[] {
  const out: { code: ErrorCode; number: number; status: number; message: string }[] = [];
  for (const [code, info] of Object.entries(REJECTS)) {
    out.push({
      code: code as RejectCode,
      number: info.code,
      status: statusOf(code as RejectCode),
      message: info.message,
    });
  }
  for (const [code, info] of Object.entries(API_ERRORS)) {
    out.push({ code: code as ApiCode, number: info.number, status: info.status, message: info.message });
  }
  return out.sort((a, b) => a.number - b.number);
}
