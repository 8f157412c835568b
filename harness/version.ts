/**
 * paritykit's own version, read from its package.json (works from the sources and from the
 * built `dist/` copy, which sit at different depths).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageJson(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('paritykit: package.json not found above ' + fileURLToPath(import.meta.url));
}

/** Root folder of the paritykit package (where its package.json is). */
export const PACKAGE_ROOT = path.dirname(findPackageJson());

/** The `version` field of paritykit's package.json, e.g. `0.1.0`. */
export const PARITYKIT_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
