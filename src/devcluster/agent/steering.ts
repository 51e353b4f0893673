/**
 * Steers pods of the official mariadb/redis/postgres images to the agent's Node without anything in the pod spec:
 * a MutatingAdmissionPolicy (CEL, evaluated in the apiserver, no webhook server) adds a nodeSelector for the local
 * node and a toleration of its taint when a pod is created with at least one such container and no explicit
 * nodeName/node-type selection. Every other pod keeps going to KWOK's node (the local node is tainted).
 */
import { LOCAL_NODE_LABEL, LOCAL_NODE_LABEL_VALUE, LOCAL_NODE_TAINT } from './node.ts';
import { OFFICIAL_IMAGE_RE, STATECRAFT_IMAGE_RE } from './podspec.ts';

export const STEERING_POLICY_NAME = 'statecraft-local-databases';

export function steeringObjects(): object[] {
  const escapedLabel = LOCAL_NODE_LABEL.replace(/~/g, '~0').replace(/\//g, '~1');
  const toleration = `{"key": "${LOCAL_NODE_TAINT}", "operator": "Exists", "effect": "NoSchedule"}`;
  const selector = `{"${LOCAL_NODE_LABEL}": "${LOCAL_NODE_LABEL_VALUE}"}`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1beta1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: STEERING_POLICY_NAME },
      spec: {
        failurePolicy: 'Ignore',
        reinvocationPolicy: 'Never',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        },
        matchConditions: [
          {
            name: 'runs-an-official-database-image-or-statecraft',
            expression: `object.spec.containers.exists(c, has(c.image) && (${[OFFICIAL_IMAGE_RE, STATECRAFT_IMAGE_RE]
              .map((re) => `c.image.matches('${re.replace(/\\/g, '\\\\')}')`)
              .join(' || ')}))`,
          },
          { name: 'not-bound-already', expression: "!has(object.spec.nodeName) || object.spec.nodeName == ''" },
          {
            name: 'no-node-type-chosen',
            expression: `!has(object.spec.nodeSelector) || !('${LOCAL_NODE_LABEL}' in object.spec.nodeSelector)`,
          },
        ],
        mutations: [
          {
            patchType: 'JSONPatch',
            jsonPatch: {
              expression: [
                '[',
                `  has(object.spec.nodeSelector)`,
                `    ? JSONPatch{op: "add", path: "/spec/nodeSelector/${escapedLabel}", value: "${LOCAL_NODE_LABEL_VALUE}"}`,
                `    : JSONPatch{op: "add", path: "/spec/nodeSelector", value: ${selector}},`,
                `  has(object.spec.tolerations)`,
                `    ? JSONPatch{op: "add", path: "/spec/tolerations/-", value: ${toleration}}`,
                `    : JSONPatch{op: "add", path: "/spec/tolerations", value: [${toleration}]}`,
                ']',
              ].join('\n'),
            },
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1beta1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: STEERING_POLICY_NAME },
      spec: { policyName: STEERING_POLICY_NAME },
    },
  ];
}
