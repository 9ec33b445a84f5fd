/**
 * How the simulated region identifies itself. Every API response carries SIM_HEADER; a client that sees it
 * calls the signed pseudo-action SIM_ADVERT_ACTION (ECS product, same signing as any call) and gets a
 * SimAdvert: where guest access and operator-side probes must go instead of the scenario's addresses,
 * which belong to the world and are never contacted.
 */
export const SIM_HEADER = 'x-netdoctor-sim';
export const SIM_ADVERT_ACTION = 'DescribeNetdoctorSimulator';

export interface SimAdvert {
  scenario: string;
  /** The simulator's SSH server; log in as user = instance id, with `password`. Pin `hostKey`. */
  ssh?: { host: string; port: number; hostKey: string; hostKeySha256: string; password: string };
  /** Why `ssh` is absent when the simulator could not start its SSH server (guest access then goes nowhere). */
  sshError?: string;
  /** GET `${probeUrl}?kind=tcp&host=H&port=P` | `kind=ping&host=H` | `kind=dns&name=N[&server=S]` → JSON probe fact. */
  probeUrl: string;
  /** GET → the operator's egress address as text (what `me` resolves to). */
  echoUrl: string;
}
