// Keys irsactl reads and writes on Kubernetes objects, shared with eksctl and EKS's pod identity webhook.

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** irsactl's own value; 'eksctl' is also treated as managed. */
export const MANAGED_BY_VALUE = 'irsactl';
export const MANAGED_BY_VALUES: readonly string[] = ['irsactl', 'eksctl'];
