import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCertPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  user: string;
}

/** A kubeconfig with the certificates embedded, so the file alone is enough to reach the cluster. */
export async function renderKubeconfig(input: KubeconfigInput): Promise<string> {
  const b64 = async (p: string) => (await readFile(p)).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'statecraft-local',
        cluster: { server: input.server, 'certificate-authority-data': await b64(input.caCertPath) },
      },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': await b64(input.clientCertPath),
          'client-key-data': await b64(input.clientKeyPath),
        },
      },
    ],
    contexts: [{ name: 'statecraft-local', context: { cluster: 'statecraft-local', user: input.user } }],
    'current-context': 'statecraft-local',
  });
}
