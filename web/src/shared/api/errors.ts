// The server's error format: {"error": {"code", "name", "message", "details", "request_id"}}.

export interface ApiErrorBody {
  error: {
    code: number;
    name: string;
    message: string;
    details?: unknown;
    request_id?: string;
  };
}

/** An error the API answered with (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  override readonly name: string;
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(status: number, body: Partial<ApiErrorBody> | undefined, fallback: string) {
    const e = body?.error;
    super(e?.message ?? fallback);
    this.status = status;
    this.code = e?.code ?? 0;
    this.name = e?.name ?? (status === 0 ? 'network_error' : 'http_error');
    this.details = e?.details;
    this.requestId = e?.request_id;
  }

  /** The field a validation error names, when it names one. */
  get field(): string | undefined {
    const d = this.details as { field?: unknown } | undefined;
    return typeof d?.field === 'string' ? d.field : undefined;
  }
}

export function isApiErrorBody(v: unknown): v is ApiErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    'error' in v &&
    typeof (v as { error: unknown }).error === 'object'
  );
}
