/** Everything collected at one moment: the only input of diagnose(). */
import type { CloudFacts } from './cloud.js';
import type { SourceError, SourceStatus } from './common.js';
import type { GuestFacts } from './guest.js';
import type { ProbeFacts } from './probe.js';
import type { TargetSummary } from './verdict.js';

export interface OperatorInfo {
  /** The operator's egress address as seen from the internet (`me`). */
  egressIp?: string;
  /** `echo:URL`, `given`, `sim`, or `unknown` (with why). */
  source: string;
  error?: SourceError;
}

export interface Snapshot {
  /** Epoch ms: the clock of the whole snapshot (diagnose reads no clock). */
  at: number;
  target: TargetSummary;
  /** Absent when there is no cloud account (`--ssh`, `--local` without metadata). */
  cloud?: CloudFacts;
  /** Absent when no guest transport could be had; `guestError` says why. */
  guest?: GuestFacts;
  guestError?: SourceError;
  probes?: ProbeFacts;
  operator: OperatorInfo;
  sources: SourceStatus[];
  /** Things netdoctor did or noticed while collecting (expired temporary rules revoked, …), one sentence each. */
  notes?: string[];
  /** Set when the facts come from the simulated region (shown in the UI header). */
  simulated?: { scenario: string };
}
