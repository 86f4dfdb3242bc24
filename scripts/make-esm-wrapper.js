// Writes an ESM entry beside each CommonJS entry point (dist/index.mjs, dist/crawlee/index.mjs):
// named exports over the CommonJS build, so `import { WarcWriter } from 'warcwire'` and
// `import { WarcHttpClient } from 'warcwire/crawlee'` work without a second compilation.
'use strict';
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
for (const entry of ['index.js', 'crawlee/index.js']) {
  const names = Object.keys(require(path.join(dist, entry))).filter((n) => n !== 'default' && n !== '__esModule');
  const lines = [
    "import cjs from './index.js';",
    ...names.map((n) => `export const ${n} = cjs.${n};`),
    'export default cjs;',
    '',
  ];
  fs.writeFileSync(path.join(dist, entry.replace(/\.js$/, '.mjs')), lines.join('\n'));
}
