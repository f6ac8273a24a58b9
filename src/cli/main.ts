#!/usr/bin/env node
// vmsa-check: the command line. Loading the program takes Node a noticeable
// time (about a second on a loaded machine); the signal latches go in first,
// so that a SIGINT or SIGTERM in that time stops the run cleanly (exit 3)
// instead of killing it with nothing written (early-signals.ts). The
// commands themselves are in commands.ts.

import './early-signals.js';

await import('./commands.js');
