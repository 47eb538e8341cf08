#!/usr/bin/env node
// The deskex command: runs the TypeScript sources through tsx (worker threads get the same loader).
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli.ts');
