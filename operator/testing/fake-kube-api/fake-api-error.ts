// Kubernetes Status errors (metav1.Status) the fake API server answers with.
export interface StatusCause {
  type: string;
  message: string;
  field?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: { name?: string; group?: string; kind?: string; causes?: StatusCause[] } = {},
  ) {
    super(message);
  }

  toStatus(): object {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

export const notFound = (kind: string, group: string, name: string) =>
  new ApiError(
    404,
    "NotFound",
    `${kind ? kind + (group ? "." + group : "") : "resource"} "${name}" not found`,
    {
      name,
      group,
      kind,
    },
  );

export const badRequest = (message: string) => new ApiError(400, "BadRequest", message);
