/**
 * The internet path of one instance: can the internet reach it (instance state and locks, a public address bound
 * to *this* instance, bandwidth), and can it reach the internet (public address, or SNAT on a NAT gateway the
 * route table actually sends it to). Pure; every decision names the resource and the exact API field. The
 * instance's addresses are judged in internet-address.ts, inbound in internet-ingress.ts, outbound in
 * internet-egress.ts; this module holds the rules they follow and re-exports their API.
 *
 * [I1] Inbound needs a public IP (`PublicIpAddress`, bandwidth `InternetMaxBandwidthOut` > 0) or an EIP bound to
 *      this instance (DescribeEipAddresses `Status` = InUse and `InstanceId` = the instance; `Bandwidth` > 0).
 *      An EIP the operator expects may be `Available` (unbound) or bound elsewhere.
 * [I2] `OperationLocks.LockReason` (financial, security, Recycling, …) on the instance or the EIP, an EIP
 *      `BusinessStatus` other than Normal, or a non-Running instance stop traffic whatever the rules say.
 * [I3] Outbound: by default "a VPC resource with a public IP talks to the internet directly" (IPv4 gateway
 *      overview); an EIP/public IP is used before NAT gateway SNAT ("SNAT lets instances *without* a public IP
 *      reach the internet", NAT Gateway docs; EIP preferred when both exist). Once an IPv4 gateway is active in
 *      the VPC, only vSwitches whose table routes 0.0.0.0/0 to it ("public vSwitches") reach the internet.
 *      Whether a custom 0.0.0.0/0 to an appliance (Instance/HaVip/VPN…) captures the traffic of an instance that
 *      has its own public address is not documented: that case is reported UNCERTAIN, never guessed.
 * [I4] Without a public address, traffic must be routed to an internet NAT gateway (status Available) holding an
 *      Available SNAT entry for the instance's vSwitch (`SourceVSwitchId`) or a CIDR containing its address
 *      (`SourceCIDR`). SNAT on one gateway with the route to another, or no route at all, carries nothing.
 */

export {
  evaluateInstanceState,
  type InternetFacts,
  type PublicAddress,
  publicAddresses,
} from './internet-address.js';
export {
  type EgressCarrier,
  evaluateInternetEgress,
  type InternetEgressDecision,
  snatFor,
} from './internet-egress.js';
export { evaluatePublicIngress, type PublicIngressDecision } from './internet-ingress.js';
