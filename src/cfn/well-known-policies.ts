import type { WellKnownPolicies } from '../model/service-account.js';
import { POLICY_VERSION, type CfnSub, type PolicyDocument, type PolicyStatement } from './policy.js';

// eksctl's well-known IRSA policies (pkg/cfn/builder/iam_helper.go, statement.go),
// copied statement for statement so that templates from either tool diff clean.


/** Managed policies, as `arn:${AWS::Partition}:iam::aws:policy/<name>`. */
const IMAGE_BUILDER_MANAGED_POLICY = 'AmazonEC2ContainerRegistryPowerUser';
const EBS_CSI_MANAGED_POLICY = 'service-role/AmazonEBSCSIDriverPolicy';

export interface InlinePolicy {
  /** CloudFormation logical ID, also the PolicyName suffix. */
  logicalId: string;
  document: PolicyDocument;
}

/** eksctl `autoScalerStatements` */
const AUTO_SCALER_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions"
    ]
  },
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
      "ec2:DescribeImages",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup"
    ]
  }
];

/** eksctl `loadBalancerControllerStatements` */
const LOAD_BALANCER_CONTROLLER_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Action": [
      "iam:CreateServiceLinkedRole"
    ],
    "Resource": "*",
    "Condition": {
      "StringEquals": {
        "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:DescribeAccountAttributes",
      "ec2:DescribeAddresses",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeVpcs",
      "ec2:DescribeVpcPeeringConnections",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeTags",
      "ec2:GetCoipPoolUsage",
      "ec2:DescribeCoipPools",
      "ec2:GetSecurityGroupsForVpc",
      "ec2:DescribeIpamPools",
      "ec2:DescribeRouteTables",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeListenerCertificates",
      "elasticloadbalancing:DescribeSSLPolicies",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTrustStores",
      "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:DescribeCapacityReservation"
    ],
    "Resource": "*"
  },
  {
    "Effect": "Allow",
    "Action": [
      "cognito-idp:DescribeUserPoolClient",
      "acm:ListCertificates",
      "acm:DescribeCertificate",
      "iam:ListServerCertificates",
      "iam:GetServerCertificate",
      "waf-regional:GetWebACL",
      "waf-regional:GetWebACLForResource",
      "waf-regional:AssociateWebACL",
      "waf-regional:DisassociateWebACL",
      "wafv2:GetWebACL",
      "wafv2:GetWebACLForResource",
      "wafv2:AssociateWebACL",
      "wafv2:DisassociateWebACL",
      "shield:GetSubscriptionState",
      "shield:DescribeProtection",
      "shield:CreateProtection",
      "shield:DeleteProtection"
    ],
    "Resource": "*"
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupIngress"
    ],
    "Resource": "*"
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:CreateSecurityGroup"
    ],
    "Resource": "*"
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:CreateTags"
    ],
    "Resource": {
      "Fn::Sub": "arn:${AWS::Partition}:ec2:*:*:security-group/*"
    },
    "Condition": {
      "StringEquals": {
        "ec2:CreateAction": "CreateSecurityGroup"
      },
      "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:CreateTags",
      "ec2:DeleteTags"
    ],
    "Resource": {
      "Fn::Sub": "arn:${AWS::Partition}:ec2:*:*:security-group/*"
    },
    "Condition": {
      "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:DeleteSecurityGroup"
    ],
    "Resource": "*",
    "Condition": {
      "Null": {
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateTargetGroup"
    ],
    "Resource": "*",
    "Condition": {
      "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:DeleteRule"
    ],
    "Resource": "*"
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags"
    ],
    "Resource": [
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:targetgroup/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:loadbalancer/net/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:loadbalancer/app/*/*"
      }
    ],
    "Condition": {
      "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags"
    ],
    "Resource": [
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:listener/net/*/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:listener/app/*/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:listener-rule/net/*/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:listener-rule/app/*/*/*"
      }
    ]
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:SetIpAddressType",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:ModifyCapacityReservation",
      "elasticloadbalancing:ModifyIpPools"
    ],
    "Resource": "*",
    "Condition": {
      "Null": {
        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:AddTags"
    ],
    "Resource": [
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:targetgroup/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:loadbalancer/net/*/*"
      },
      {
        "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:loadbalancer/app/*/*"
      }
    ],
    "Condition": {
      "StringEquals": {
        "elasticloadbalancing:CreateAction": [
          "CreateTargetGroup",
          "CreateLoadBalancer"
        ]
      },
      "Null": {
        "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
      }
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:RegisterTargets",
      "elasticloadbalancing:DeregisterTargets"
    ],
    "Resource": {
      "Fn::Sub": "arn:${AWS::Partition}:elasticloadbalancing:*:*:targetgroup/*/*"
    }
  },
  {
    "Effect": "Allow",
    "Action": [
      "elasticloadbalancing:SetWebAcl",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:AddListenerCertificates",
      "elasticloadbalancing:RemoveListenerCertificates",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:SetRulePriorities"
    ],
    "Resource": "*"
  }
];

/** eksctl `changeSetStatements` */
const CHANGE_SET_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": {
      "Fn::Sub": "arn:${AWS::Partition}:route53:::hostedzone/*"
    },
    "Action": [
      "route53:ChangeResourceRecordSets"
    ]
  }
];

/** eksctl `externalDNSHostedZonesStatements` */
const EXTERNAL_DNS_HOSTED_ZONES_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "route53:ListHostedZones",
      "route53:ListResourceRecordSets",
      "route53:ListTagsForResource"
    ]
  }
];

/** eksctl `certManagerGetChangeStatements` */
const CERT_MANAGER_GET_CHANGE_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": {
      "Fn::Sub": "arn:${AWS::Partition}:route53:::change/*"
    },
    "Action": [
      "route53:GetChange"
    ]
  }
];

/** eksctl `certManagerHostedZonesStatements` */
const CERT_MANAGER_HOSTED_ZONES_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "route53:ListResourceRecordSets",
      "route53:ListHostedZonesByName"
    ]
  }
];

/** eksctl `efsCSIControllerStatements` */
const EFS_CSI_CONTROLLER_STATEMENTS: readonly PolicyStatement[] = [
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "elasticfilesystem:DescribeAccessPoints",
      "elasticfilesystem:DescribeFileSystems"
    ]
  },
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "elasticfilesystem:CreateAccessPoint"
    ],
    "Condition": {
      "StringLike": {
        "aws:RequestTag/efs.csi.aws.com/cluster": "true"
      }
    }
  },
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "elasticfilesystem:TagResource"
    ],
    "Condition": {
      "StringLike": {
        "aws:RequestTag/efs.csi.aws.com/cluster": "true"
      }
    }
  },
  {
    "Effect": "Allow",
    "Resource": "*",
    "Action": [
      "elasticfilesystem:DeleteAccessPoint"
    ],
    "Condition": {
      "StringLike": {
        "aws:ResourceTag/efs.csi.aws.com/cluster": "true"
      }
    }
  }
];

const managedArn = (name: string): CfnSub => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${name}` });

const inline = (logicalId: string, statements: readonly PolicyStatement[]): InlinePolicy => ({
  logicalId,
  // A copy: callers may edit the rendered template without touching these constants.
  document: { Version: POLICY_VERSION, Statement: structuredClone(statements) as PolicyStatement[] },
});

/** Well-known managed policy ARNs in eksctl's order (imageBuilder, then ebsCSIController). */
export function wellKnownManagedPolicyArns(wk: WellKnownPolicies): CfnSub[] {
  const arns: CfnSub[] = [];
  if (wk.imageBuilder) arns.push(managedArn(IMAGE_BUILDER_MANAGED_POLICY));
  if (wk.ebsCSIController) arns.push(managedArn(EBS_CSI_MANAGED_POLICY));
  return arns;
}

/** Well-known inline policies in eksctl's resource order. */
export function wellKnownInlinePolicies(wk: WellKnownPolicies): InlinePolicy[] {
  const policies: InlinePolicy[] = [];
  if (wk.autoScaler) policies.push(inline('PolicyAutoScaling', AUTO_SCALER_STATEMENTS));
  if (wk.awsLoadBalancerController) {
    policies.push(inline('PolicyAWSLoadBalancerController', LOAD_BALANCER_CONTROLLER_STATEMENTS));
  }
  if (wk.externalDNS) {
    policies.push(inline('PolicyExternalDNSChangeSet', CHANGE_SET_STATEMENTS));
    policies.push(inline('PolicyExternalDNSHostedZones', EXTERNAL_DNS_HOSTED_ZONES_STATEMENTS));
  }
  if (wk.certManager) {
    policies.push(inline('PolicyCertManagerChangeSet', CHANGE_SET_STATEMENTS));
    policies.push(inline('PolicyCertManagerGetChange', CERT_MANAGER_GET_CHANGE_STATEMENTS));
    policies.push(inline('PolicyCertManagerHostedZones', CERT_MANAGER_HOSTED_ZONES_STATEMENTS));
  }
  if (wk.efsCSIController) policies.push(inline('PolicyEFSCSIController', EFS_CSI_CONTROLLER_STATEMENTS));
  return policies;
}
