#!/usr/bin/env node
// Statecraft's source is TypeScript run directly by Node 24's type stripping; older Nodes cannot load it.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `statecraft needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx statecraft) so the project's Node 24 is used`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
