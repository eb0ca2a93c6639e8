// Preloaded into a ring-train child by bench/memory.ts (node --import): at exit, one stderr line with the
// process's peak resident set size, process.resourceUsage().maxRSS (kilobytes; Linux's VmHWM).
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `peak_rss_kb=${process.resourceUsage().maxRSS}\n`);
});
