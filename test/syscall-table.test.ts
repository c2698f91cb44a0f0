// The system-call table (src/vm/syscalls/table.ts) and the page generated from it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syscallsDoc } from '../src/vm/syscalls/docgen.js';
import { syscallName, TABLE } from '../src/vm/syscalls/table.js';
import { ROOT } from './helpers.js';

describe('system-call table', () => {
  it('has one row for every number of DragonFly 5.9 (0..551), each served, refused or without a call', () => {
    expect(TABLE.length).toBe(552);
    TABLE.forEach((d, i) => {
      expect(d.num).toBe(i);
      if (d.support === 'full' || d.support === 'partial') expect(d.fn !== undefined || d.indirect, d.name).toBe(true);
      if (d.support === 'refused') expect(d.errno, d.name).toBeGreaterThan(0);
    });
    expect([syscallName(3), syscallName(8), syscallName(600)]).toEqual(['read', 'obsol 4.3 creat', '#600']);
  });

  it('docs/syscalls.md is what `npm run docs` prints from the table', () => {
    const committed = fs.readFileSync(path.join(ROOT, 'docs/syscalls.md'), 'utf8');
    expect(committed, 'docs/syscalls.md differs from the table: run `npm run docs`').toBe(syscallsDoc());
  });
});
