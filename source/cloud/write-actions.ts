/**
 * Read-only mode is enforced at the client: only actions that read may leave the process. The list names the
 * write actions netdoctor knows (and the remedies use); anything else that does not start with a read verb is
 * treated as a write too, so a new or unknown action can never slip through.
 */
import type { Product } from './endpoints.js';

export const WRITE_ACTIONS: Record<Product, readonly string[]> = {
  ecs: [
    'AuthorizeSecurityGroup',
    'AuthorizeSecurityGroupEgress',
    'RevokeSecurityGroup',
    'RevokeSecurityGroupEgress',
    'ModifySecurityGroupRule',
    'ModifySecurityGroupEgressRule',
    'ModifySecurityGroupPolicy',
    'ModifySecurityGroupAttribute',
    'CreateSecurityGroup',
    'DeleteSecurityGroup',
    'JoinSecurityGroup',
    'LeaveSecurityGroup',
    'StartInstance',
    'StartInstances',
    'StopInstance',
    'StopInstances',
    'RebootInstance',
    'RebootInstances',
    'DeleteInstance',
    'DeleteInstances',
    'ModifyInstanceAttribute',
    'ModifyInstanceNetworkSpec',
    'ModifyInstanceVpcAttribute',
    'AllocatePublicIpAddress',
    'ConvertNatPublicIpToEip',
    'AttachNetworkInterface',
    'DetachNetworkInterface',
    'AssignPrivateIpAddresses',
    'UnassignPrivateIpAddresses',
    'ModifyNetworkInterfaceAttribute',
    'RunCommand',
    'InvokeCommand',
    'CreateCommand',
    'DeleteCommand',
    'StopInvocation',
    'SendFile',
    'ReplaceSystemDisk',
    'RenewInstance',
  ],
  vpc: [
    'AssociateEipAddress',
    'UnassociateEipAddress',
    'AllocateEipAddress',
    'ReleaseEipAddress',
    'ModifyEipAddressAttribute',
    'CreateRouteEntry',
    'DeleteRouteEntry',
    'ModifyRouteEntry',
    'AssociateRouteTable',
    'UnassociateRouteTable',
    'UpdateNetworkAclEntries',
    'AssociateNetworkAcl',
    'UnassociateNetworkAcl',
    'CreateNetworkAcl',
    'DeleteNetworkAcl',
    'CreateSnatEntry',
    'DeleteSnatEntry',
    'ModifySnatEntry',
    'CreateNatGateway',
    'DeleteNatGateway',
    'CreateVSwitch',
    'DeleteVSwitch',
  ],
  cms: ['PutMetricRuleTargets', 'DeleteMetricRules', 'EnableMetricRules', 'DisableMetricRules'],
  actiontrail: ['CreateTrail', 'DeleteTrail', 'UpdateTrail', 'StartLogging', 'StopLogging'],
};

const READ_VERB = /^(Describe|List|Get|Lookup|Query)[A-Z]/;

export function isWriteAction(product: Product, action: string): boolean {
  if (WRITE_ACTIONS[product]?.includes(action)) return true;
  return !READ_VERB.test(action);
}
