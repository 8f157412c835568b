/**
 * The machine fingerprint stored with the legacy's figures, and the comparison that warns when
 * stored figures come from another machine.
 */
import os from 'node:os';
import type { MachineFingerprint } from './model.ts';

/** The fingerprint of the machine this process runs on (CPU model, cores, memory, OS, Node). */
export function machineFingerprint(): MachineFingerprint {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/**
 * What differs between two fingerprints, as readable phrases (`cores 8 → 4`); empty when they
 * match. Total memory counts as different beyond 5% (kernels report it slightly differently
 * across boots).
 */
export function fingerprintDifferences(stored: MachineFingerprint, current: MachineFingerprint): string[] {
  const out: string[] = [];
  if (stored.cpuModel !== current.cpuModel) out.push(`CPU ${stored.cpuModel} → ${current.cpuModel}`);
  if (stored.cores !== current.cores) out.push(`cores ${stored.cores} → ${current.cores}`);
  if (Math.abs(stored.memoryBytes - current.memoryBytes) > 0.05 * Math.max(stored.memoryBytes, 1)) {
    out.push(`memory ${(stored.memoryBytes / 2 ** 30).toFixed(1)} GiB → ${(current.memoryBytes / 2 ** 30).toFixed(1)} GiB`);
  }
  if (stored.os !== current.os) out.push(`OS ${stored.os} → ${current.os}`);
  if (stored.node !== current.node) out.push(`Node ${stored.node} → ${current.node}`);
  return out;
}
