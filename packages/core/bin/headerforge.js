#!/usr/bin/env node
// The `headerforge` command: a committed file rather than dist/cli/bin.js itself, so that npm
// links it even before the first build (in this repository `npm ci` runs before `tsc -b`, and
// npm links no bin whose file does not exist yet).
import '../dist/cli/bin.js';
