/**
 * The documents the code cites are in the repository: every `docs/<file>.md` cited in a source file of
 * packages/ or pipelines/ exists, every `docs/<file>.md §n[.m]` names a heading of that file carrying
 * that number, and nothing cites the reference's specification, FORMATS.md or a path under shared/
 * (files a clone does not have). The markdown links between the documents resolve too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** A file's path (relative to the workspace root) and text. */
interface Source {
  path: string;
  text: string;
}

/** Folders that hold no hand-written source: installed, built or generated files, and the golden-vector data. */
const SKIPPED = new Set(['node_modules', 'dist', 'build', 'generated', 'fixtures', '.nx']);
const SOURCE = /\.(ts|js|mjs|cjs|cpp|h|json|md)$/;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (SOURCE.test(entry.name)) yield join(dir, entry.name);
  }
}

/** Every source file of packages/ and pipelines/ but this test (whose examples are bad citations on purpose). */
function sources(): Source[] {
  const files = ['packages', 'pipelines'].flatMap((d) => [...walk(join(root, d))]).filter((f) => f !== self);
  return files.map((f) => ({ path: relative(root, f), text: readFileSync(f, 'utf8') }));
}

/** Lines of a markdown text outside fenced code blocks. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** The headings of a markdown text, without their `#`s. */
function headings(markdown: string): string[] {
  return proseLines(markdown).flatMap((line) => {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    return m ? [m[1]] : [];
  });
}

/** The § numbers a document's headings carry (`## §4 Training`, `### §4.2 The sanity check`). */
function sectionNumbers(markdown: string): Set<string> {
  return new Set(headings(markdown).flatMap((h) => /^§(\d+(?:\.\d+)*)(?:\s|$)/.exec(h)?.[1] ?? []));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(markdown)) {
    const base = h.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** `docs/<file>.md`, then any § numbers after it (`docs/model.md §1, §4`). */
const CITATION = /docs\/([A-Za-z0-9_.-]+?\.md)((?:(?:,\s*|\s+|\s+and\s+)§\d+(?:\.\d+)*)*)/g;

/** Mentions of documents outside the repository: the reference's specification, FORMATS.md, shared/. */
const OUTSIDE = [/\bSPEC\b/, /\bFORMATS\.md\b/, /(^|[^\w-])shared\//];

/** Every bad citation in `files`, one line each naming the file; `docs` reads docs/<name> (undefined: no such file). */
function citationProblems(files: readonly Source[], docs: (name: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    text.split('\n').forEach((line, i) => {
      const at = `${path}:${i + 1}`;
      for (const pattern of OUTSIDE) {
        if (pattern.test(line)) problems.push(`${at}: cites a file outside the repository (${pattern.source}): ${line.trim()}`);
      }
      for (const m of line.matchAll(CITATION)) {
        const doc = docs(m[1]);
        if (doc === undefined) {
          problems.push(`${at}: cites docs/${m[1]}, which does not exist`);
          continue;
        }
        const numbers = sectionNumbers(doc);
        for (const n of m[2].match(/\d+(?:\.\d+)*/g) ?? []) {
          if (!numbers.has(n)) problems.push(`${at}: cites docs/${m[1]} §${n}, which has no heading §${n}`);
        }
      }
    });
  }
  return problems;
}

/** Every relative markdown link to a .md file (and its #anchor) in `files` that leads nowhere; `read` reads a path relative to the root. */
function linkProblems(files: readonly Source[], read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    for (const line of proseLines(text)) {
      for (const m of line.matchAll(/\]\(([^)\s#]*\.md)?(?:#([^)\s]+))?\)/g)) {
        const [, file, anchor] = m;
        if (file === undefined && anchor === undefined) continue;
        if (file !== undefined && /^[a-z]+:/.test(file)) continue;
        const target = file === undefined ? path : relative(root, resolve(root, dirname(path), file));
        const doc = read(target);
        if (doc === undefined) problems.push(`${path}: links to ${target}, which does not exist`);
        else if (anchor !== undefined && !anchors(doc).has(decodeURIComponent(anchor))) problems.push(`${path}: links to ${target}#${anchor}, which has no such heading`);
      }
    }
  }
  return problems;
}

const readDoc = (name: string): string | undefined => {
  const path = join(root, 'docs', name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};
const readFromRoot = (path: string): string | undefined => {
  const full = join(root, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
};

test('every docs/ file and § a source cites exists, and nothing cites a file outside the repository', () => {
  const files = sources();
  assert.ok(files.length > 100, `only ${files.length} source files found under packages/ and pipelines/`);
  assert.ok(files.some((f) => new RegExp(CITATION.source).test(f.text)), 'no citation found at all: the pattern is broken');
  assert.deepEqual(citationProblems(files, readDoc), []);
});

test('the markdown links of the documents and READMEs lead to files and headings that exist', () => {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const readmes = ['README.md', ...sources().map((s) => s.path).filter((p) => p.endsWith('README.md'))];
  const files = [...docs, ...readmes].map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
  assert.deepEqual(linkProblems(files, readFromRoot), []);
});

test('a bad citation is caught, named by file, line and section', () => {
  const doc = '# Model\n\n## §1 Data\n\n### §1.2 Angles\n\n```sh\n## §9 not a heading (inside a fence)\n```\n\n## §2 Model\n';
  const docs = (name: string) => (name === 'model.md' ? doc : undefined);
  // Built from parts so that this file itself does not hold the forbidden words.
  const spec = ['SP', 'EC §2'].join('');
  const formats = ['FORMATS', '.md'].join('');
  const shared = ['../shared', '/reference/README.md'].join('');
  const files: Source[] = [
    { path: 'a.ts', text: '// docs/model.md §1.2 and docs/model.md §1, §2: fine\n// docs/model.md §4. is not there\n' },
    { path: 'b.ts', text: `// see docs/nope.md\n// docs/model.md §9\n// ${spec}\n// ${formats}\n// ${shared}\n` },
  ];
  assert.deepEqual(citationProblems(files, docs), [
    'a.ts:2: cites docs/model.md §4, which has no heading §4',
    'b.ts:1: cites docs/nope.md, which does not exist',
    'b.ts:2: cites docs/model.md §9, which has no heading §9',
    `b.ts:3: cites a file outside the repository (\\bSPEC\\b): // ${spec}`,
    `b.ts:4: cites a file outside the repository (\\bFORMATS\\.md\\b): // ${formats}`,
    `b.ts:5: cites a file outside the repository ((^|[^\\w-])shared\\/): // ${shared}`,
  ]);
  // Identifiers that merely contain the word are not citations.
  assert.deepEqual(citationProblems([{ path: 'c.ts', text: 'MODEL_SPEC; @nx/shared-fs-cache; TRAIN_SPEC\n' }], docs), []);
});

test('a link to a missing file or heading is caught', () => {
  const files: Source[] = [{ path: 'docs/a.md', text: '# A\n\n## §7 What differs, and why\n\n[ok](#7-what-differs-and-why) [bad](#8-nothing) [gone](missing.md) [code](b.md#two-words)\n' }];
  const read = (path: string) => (path === 'docs/a.md' ? files[0].text : path === 'docs/b.md' ? '# B\n\n## Two `words`\n' : undefined);
  assert.deepEqual(linkProblems(files, read), ['docs/a.md: links to docs/a.md#8-nothing, which has no such heading', 'docs/a.md: links to docs/missing.md, which does not exist']);
});
