import { parseArgs } from 'node:util';
import { crdFiles } from '../../apis/crd-yaml.ts';
import type { Command } from '../command.ts';

export const crdsCommand: Command = {
  name: 'crds',
  summary:
    "print every CustomResourceDefinition Statecraft serves as YAML (pipe to 'kubectl apply --server-side -f -')",
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(
        'usage: statecraft crds\n\nPrints the generated CRDs (deploy/crds) as one multi-document YAML stream.',
      );
      return 0;
    }
    // a closed pipe (`statecraft crds | head`) is not an error
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    process.stdout.write([...crdFiles().values()].map((text) => `---\n${text}`).join(''));
    return 0;
  },
};
