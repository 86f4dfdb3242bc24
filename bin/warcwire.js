#!/usr/bin/env node
'use strict';
// The compiled CLI (`npm run build` compiles src/ into dist/).
require('../dist/cli/main.js').runMain();
