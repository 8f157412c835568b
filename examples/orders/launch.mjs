#!/usr/bin/env node
// Starts one side of the orders example the way paritykit's `start` target runs it:
//
//   node examples/orders/launch.mjs legacy|candidate
//
// with PORT and DATABASE_URL in the environment (paritykit passes both). It
//   1. starts the fake payment service (payments/server.js) on a free port of 127.0.0.1 and
//      sets PAYMENT_URL to it, unless PAYMENT_URL is already set;
//   2. starts the service (legacy/server.js or candidate/server.ts) on PORT with the same
//      Node that runs this script (≥ 22.18 for the candidate's TypeScript);
//   3. forwards SIGINT, SIGTERM and SIGHUP to both, and exits when either of them exits,
//      stopping the other, with the exit code of the one that ended first; it also stops
//      both when its own parent dies.
// The service's stdout and stderr pass through: it prints "orders-<side> listening on
// http://127.0.0.1:<PORT>" when ready. The payment service's lines go to stderr, prefixed.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SERVICES = { legacy: join(here, 'legacy', 'server.js'), candidate: join(here, 'candidate', 'server.ts') };
const STUB_TIMEOUT_MS = 10_000;

const side = process.argv[2];
if (!Object.hasOwn(SERVICES, side ?? '')) {
  console.error('usage: node launch.mjs legacy|candidate   (with PORT and DATABASE_URL set)');
  process.exit(2);
}
if (!process.env.PORT || !process.env.DATABASE_URL) {
  console.error(`launch.mjs ${side}: PORT and DATABASE_URL must be set (paritykit's start target sets both)`);
  process.exit(2);
}

const children = [];
let exiting = false;

/** Sends `signal` to every child still running, waits for them (5 s, then SIGKILL), exits with `code`. */
function exitWith(code, signal = 'SIGTERM') {
  if (exiting) return;
  exiting = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  if (running.length === 0) process.exit(code);
  let left = running.length;
  for (const child of running) {
    child.once('exit', () => {
      if (--left === 0) process.exit(code);
    });
    child.kill(signal);
  }
  setTimeout(() => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(code);
  }, 5_000).unref();
}

/** Watches a child: when it ends on its own, the launcher ends with it. */
function watch(child, name) {
  children.push(child);
  child.on('exit', (code, signal) => {
    if (exiting) return;
    console.error(`launch.mjs: ${name} exited (${signal ?? `code ${code}`}); stopping`);
    exitWith(code ?? 1);
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => exitWith(0, signal));
}

// If whoever started us dies without stopping us (we get re-parented), stop too, rather
// than leave a service holding its port and database.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) exitWith(1);
}, 1_000).unref();

/** Starts the payment stub on a free port; resolves with its base URL. */
function startPayments() {
  return new Promise((resolve, reject) => {
    const stub = spawn(process.execPath, [join(here, 'payments', 'server.js')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watch(stub, 'payment service');
    const timer = setTimeout(() => reject(new Error(`payment service did not start within ${STUB_TIMEOUT_MS} ms`)), STUB_TIMEOUT_MS);
    createInterface({ input: stub.stderr }).on('line', (line) => console.error(`[payments] ${line}`));
    createInterface({ input: stub.stdout }).on('line', (line) => {
      console.error(`[payments] ${line}`);
      const ready = /listening on (http:\/\/\S+)/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
  });
}

try {
  const paymentUrl = process.env.PAYMENT_URL || (await startPayments());
  const service = spawn(process.execPath, [SERVICES[side]], {
    env: { ...process.env, PAYMENT_URL: paymentUrl },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  watch(service, `orders-${side}`);
} catch (err) {
  console.error(`launch.mjs ${side}: ${err.message}`);
  exitWith(1);
}
