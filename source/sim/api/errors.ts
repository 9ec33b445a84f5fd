/**
 * Errors the simulated region answers with, in Alibaba's envelope `{RequestId, HostId, Code, Message, Recommend}`
 * and with the HTTP statuses the reference records (§4). An action handler throws an ApiError; the server
 * renders it.
 */

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra envelope fields (AccessDeniedDetail). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function missingParameter(name: string): ApiError {
  return new ApiError(
    'MissingParameter',
    400,
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

export function invalidParameter(name: string, why?: string): ApiError {
  return new ApiError(
    'InvalidParameter',
    400,
    `The specified parameter "${name}" is not valid.${why ? ` ${why}` : ''}`,
  );
}

export function instanceNotFound(id?: string): ApiError {
  return new ApiError(
    'InvalidInstanceId.NotFound',
    404,
    `The specified InstanceId does not exist.${id ? ` (${id})` : ''}`,
  );
}

export function securityGroupNotFound(id?: string): ApiError {
  return new ApiError(
    'InvalidSecurityGroupId.NotFound',
    404,
    `The specified SecurityGroupId does not exist.${id ? ` (${id})` : ''}`,
  );
}

export function regionNotFound(): ApiError {
  return new ApiError('InvalidRegionId.NotFound', 404, 'The specified RegionId does not exist.');
}

export function incorrectInstanceStatus(): ApiError {
  return new ApiError(
    'IncorrectInstanceStatus',
    403,
    'The current status of the resource does not support this operation.',
  );
}

export const SIGNATURE_MISMATCH_MESSAGE = 'Specified signature is not matched with our calculation.';

export const THROTTLED_MESSAGE = 'Request was denied due to user flow control.';

export const RAM_DENIED_MESSAGE =
  "User not authorized to operate on the specified resource, or this API doesn't support RAM.";
