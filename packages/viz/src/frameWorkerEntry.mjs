// Worker entry in plain JS: registers tsx itself, so the pool works whether or not the parent
// process was started with `--import tsx` (the bin shim registers tsx programmatically instead).
import { register } from 'tsx/esm/api';
register();
await import('./frameWorker.ts');
