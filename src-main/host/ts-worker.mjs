// Worker bootstrap: loads a TypeScript worker module through tsx (Node 20 does not apply --import loaders to a
// worker's own entry file). The module to run is workerData.entry (a file URL string).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
