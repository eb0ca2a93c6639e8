#!/usr/bin/env node
import { runCompiled } from '@ring-attractor/common/bin-shim';

await runCompiled(import.meta.url, 'cli.js', 'ring-eval');
