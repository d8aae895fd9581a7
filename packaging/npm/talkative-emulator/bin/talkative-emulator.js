#!/usr/bin/env node
'use strict';
// `npx talkative-emulator …`: runs the platform's binary with the same arguments, passes
// signals on, and exits as it exits.

const { spawn } = require('node:child_process');
const { binaryPath } = require('../lib/binary.js');

let binary;
try {
  binary = binaryPath();
} catch (error) {
  process.stderr.write(`talkative-emulator: ${error.message}\n`);
  process.exit(1);
}

const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  process.stderr.write(`talkative-emulator: could not run ${binary}: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, so a shell or CI sees what happened to the binary.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
