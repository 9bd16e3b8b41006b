import { main } from './main.js';
import { processIo } from './output/io.js';
import { processExitCode, signalExitCode } from './errors.js';
import { INTERRUPT_GRACE_MS } from './net/run-control.js';

// The process entry: wires signals to an AbortController so that --approve runs
// start no new work after SIGINT/SIGTERM and exit 130/143 (a second signal exits at once).
// Requests still in flight a moment after the first signal are abandoned (see RunControl).

const abort = new AbortController();
let signalled: 'SIGINT' | 'SIGTERM' | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(signalExitCode(sig));
    signalled = sig;
    process.stderr.write(`\n${sig} received: starting nothing new; what is in flight has ${INTERRUPT_GRACE_MS / 1000} s to finish (again to quit now)\n`);
    abort.abort(sig);
  });
}

// Once main has returned, nothing irsactl still needs is running; a socket some library left open (a stalled
// connection that was abandoned) must not keep the process alive. Unref'd: a clean exit does not wait for it.
const EXIT_GRACE_MS = 1000;

void main(process.argv.slice(2), processIo(), {}, abort.signal).then((code) => {
  process.exitCode = processExitCode(code, signalled);
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
});
