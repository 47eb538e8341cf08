// Piscina worker bootstrap when running from sources: registers tsx in this worker (Node 20 applies no --import
// loader to the modules a worker imports itself), then serves the jobs of job-worker.ts as its own exports. A static
// `export *` would load job-worker.ts before tsx is registered, so every job of job-worker.ts is named here.
import { register } from 'tsx/esm/api';

register();
export const { verify, statements } = await import('./job-worker.ts');
