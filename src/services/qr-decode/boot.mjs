// Worker entry: TypeScript is loaded through tsx here too (workers do not inherit the main thread's loader).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
