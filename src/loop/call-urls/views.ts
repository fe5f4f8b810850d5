import type { CallUrlRecord } from '../../store/loop.ts';

/** A call URL as GET /call-url lists it (§6): no owner key, absent fields omitted. */
export interface CallUrlListing {
  readonly callerId?: string;
  readonly issuer: string;
  readonly subject?: string;
  readonly timestamp: number;
  readonly expires: number;
}

/** The listing of a stored record, keys in the order the original wrote them. */
export function listed(r: CallUrlRecord): CallUrlListing {
  return {
    ...(r.callerId !== undefined ? { callerId: r.callerId } : {}),
    issuer: r.issuer,
    ...(r.subject !== undefined ? { subject: r.subject } : {}),
    timestamp: r.timestamp,
    expires: r.expires,
  };
}
