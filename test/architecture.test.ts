// The dependency rules between the packages and between core's parts (DESIGN.md, "Core
// modules"): every import in packages/*/src is read and checked against the rules below.
//
// Why a test of our own rather than a tool:
// - dependency-cruiser reads TypeScript through the TypeScript compiler API (or swc/babel,
//   which we do not have). TypeScript 7 has no JS API, so it finds no .ts file to cruise;
//   pinning TypeScript 6 or adding @swc/core for it alone is a heavy dependency for a check.
// - Biome's `noRestrictedImports` (our linter already) matches the written specifier only:
//   it does not see `import('vite' as string)` (the very form cli/load-site.ts uses) nor a
//   type-position `import('x').T`, and it cannot tell which folder `../x` resolves to.
// - This test parses each file with the TypeScript parser Vite already ships (`parseAst`,
//   oxc through rolldown; no new dependency), takes every module specifier from the syntax
//   tree, resolves relative ones to the part of the design they land in, and names the file,
//   the line, the module, the rule and what to do for each import that breaks a rule.
//   Reading and checking the ~170 files takes about a tenth of a second.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAst } from 'vite';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Our packages: folder under packages/ → package name. */
const PACKAGES = {
  core: '@headerforge/core',
  'vite-plugin': '@headerforge/vite',
  'astro-integration': '@headerforge/astro',
} as const;
type Pkg = keyof typeof PACKAGES;
const ADAPTERS: readonly Pkg[] = ['vite-plugin', 'astro-integration'];

/** Core's entries by subpath → the part of core they are (`''` is the root export). */
const CORE_ENTRIES: Record<string, string> = {
  '': 'index.ts',
  adapter: 'adapter',
  'adapter/light': 'adapter',
  testing: 'testing',
  internal: 'internal',
};

/** The file a module is written in. */
interface Source {
  /** Repository-relative, with `/`. */
  file: string;
  pkg: Pkg;
  /** In core: the part (folder, or `index.ts`) the file belongs to. */
  part: string | undefined;
  /** `*.test.ts` and `*.test-support.ts`: free to use `testing/`. */
  isTest: boolean;
}

/** Where an import leads. */
type Target =
  /** One of our packages, through its name (`subpath` of its exports) or through a path. */
  | {
      kind: 'ours';
      pkg: Pkg;
      byName: boolean;
      subpath: string;
      /** In core: the part the module belongs to, if it is one. */
      part: string | undefined;
      /** A path to a test file (`*.test.*`, `*.test-support.*`). */
      testFile: boolean;
    }
  /** A relative path that leaves every packages/<name>/src (dist/, package.json, test/…). */
  | { kind: 'elsewhere'; path: string }
  /** A library or Node built-in, by its full specifier (`vite`, `astro/loaders`, `node:fs`). */
  | { kind: 'library'; name: string }
  /** A dynamic import of a computed specifier: cannot be checked. */
  | { kind: 'computed' };

interface Import {
  from: Source;
  line: number;
  /** As written; `undefined` when computed. */
  specifier: string | undefined;
  to: Target;
}

// --- Reading imports --------------------------------------------------------------------

type Node = { type: string; start: number; [key: string]: unknown };
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

/** The string a module-specifier expression denotes, seeing through `as`, `satisfies`, `!`, (). */
function literal(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  switch (node.type) {
    case 'Literal':
      return typeof node.value === 'string' ? node.value : undefined;
    case 'TemplateLiteral': {
      const quasis = node.quasis as { value: { cooked: string } }[];
      return (node.expressions as unknown[]).length === 0 ? quasis[0]?.value.cooked : undefined;
    }
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
    case 'TSTypeAssertion':
    case 'ParenthesizedExpression':
      return literal(node.expression);
    default:
      return undefined;
  }
}

const isRequire = (callee: unknown): boolean =>
  isNode(callee) &&
  ((callee.type === 'Identifier' && callee.name === 'require') ||
    (callee.type === 'MemberExpression' &&
      isNode(callee.property) &&
      callee.property.name === 'resolve' &&
      isNode(callee.object) &&
      // require.resolve('x'), import.meta.resolve('x')
      (callee.object.name === 'require' || callee.object.type === 'MetaProperty')));

/**
 * Every module a TypeScript source names: `import … from`, `import type`, `import '…'`,
 * `export … from`, `export type … from`, `import(…)` (also `import('x' as string)`), the
 * type `import('x').T`, `import x = require('x')`, `require('x')`, `*.resolve('x')`.
 * `specifier` is `undefined` for an `import(…)` of a computed value.
 */
function moduleSpecifiers(
  code: string,
  file = 'source.ts',
): { specifier: string | undefined; line: number }[] {
  const lang = file.endsWith('.d.ts') ? 'dts' : file.endsWith('x') ? 'tsx' : 'ts';
  const ast = parseAst(code, { lang }, file);
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let line = 0;
    while (line + 1 < lineStarts.length && (lineStarts[line + 1] ?? 0) <= offset) line++;
    return line + 1;
  };
  const found: { specifier: string | undefined; line: number }[] = [];
  const add = (at: Node, source: unknown, computedAllowed = false) => {
    const specifier = literal(source);
    if (specifier !== undefined || computedAllowed)
      found.push({ specifier, line: lineOf(at.start) });
  };
  const visit = (node: Node) => {
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
      case 'TSImportType':
        if (node.source) add(node, node.source);
        break;
      case 'ImportExpression':
        add(node, node.source, true);
        break;
      case 'TSExternalModuleReference':
        add(node, node.expression);
        break;
      case 'CallExpression':
        if (isRequire(node.callee)) add(node, (node.arguments as unknown[])[0], true);
        break;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'parent') continue;
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item);
      } else if (isNode(value)) visit(value);
    }
  };
  visit(ast as unknown as Node);
  return found.sort((a, b) => a.line - b.line);
}

// --- Locating files and targets ---------------------------------------------------------

const posix = (path: string) => path.split('\\').join('/');
const isTestFile = (path: string) => /\.test(-support)?\.[cm]?[jt]s$/.test(path);

/** The package and core part of a repository-relative path inside some packages/<pkg>/src. */
function locate(path: string): { pkg: Pkg; part: string | undefined } | undefined {
  const match = /^packages\/([^/]+)\/src\/(.+)$/.exec(path);
  if (!match || !(match[1] && match[1] in PACKAGES)) return undefined;
  const pkg = match[1] as Pkg;
  const [first = '', ...rest] = (match[2] ?? '').split('/');
  // `index.js`/`index.ts` is the root entry; another loose file is a part of its own (and
  // breaks 'packages/core/src holds index.ts and folders only').
  const part = rest.length > 0 ? first : /^index\.[cm]?[jt]s$/.test(first) ? 'index.ts' : first;
  return { pkg, part: pkg === 'core' ? part : undefined };
}

function target(from: Source, specifier: string | undefined): Target {
  if (specifier === undefined) return { kind: 'computed' };
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const path = posix(relative(root, resolve(root, dirname(from.file), specifier)));
    const where = locate(path);
    if (!where) return { kind: 'elsewhere', path };
    return { kind: 'ours', ...where, byName: false, subpath: path, testFile: isTestFile(path) };
  }
  for (const [pkg, name] of Object.entries(PACKAGES) as [Pkg, string][]) {
    if (specifier !== name && !specifier.startsWith(`${name}/`)) continue;
    const subpath = specifier.slice(name.length + 1);
    const part = pkg === 'core' ? CORE_ENTRIES[subpath] : undefined;
    return { kind: 'ours', pkg, byName: true, subpath, part, testFile: false };
  }
  return { kind: 'library', name: specifier };
}

function sourceFiles(): Source[] {
  const files: Source[] = [];
  for (const pkg of Object.keys(PACKAGES) as Pkg[]) {
    const src = join(root, 'packages', pkg, 'src');
    for (const name of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (!/\.[cm]?tsx?$/.test(name)) continue;
      const file = posix(relative(root, join(src, name)));
      files.push({ file, pkg, part: locate(file)?.part, isTest: isTestFile(file) });
    }
  }
  return files.sort((a, b) => (a.file < b.file ? -1 : 1));
}

function readImports(): Import[] {
  return sourceFiles().flatMap((from) =>
    moduleSpecifiers(readFileSync(join(root, from.file), 'utf8'), from.file).map(
      ({ specifier, line }) => ({ from, line, specifier, to: target(from, specifier) }),
    ),
  );
}

// --- The rules ----------------------------------------------------------------------------

// Rules about packages (adapters, hosts) hold for every file, tests included, except where
// they say otherwise; rules between core's parts hold for production code (a test may reach
// across parts to set things up).
interface Rule {
  name: string;
  /** The rule, as a sentence. */
  says: string;
  /** What to do about an import that breaks it. */
  fix: string;
  breaks: (i: Import) => boolean;
}

const coreFile = (i: Import) => i.from.pkg === 'core';
const production = (i: Import) => !i.from.isTest;
const inPart = (i: Import, ...parts: string[]) =>
  coreFile(i) && i.from.part !== undefined && parts.includes(i.from.part);
const toPart = (i: Import, ...parts: string[]) =>
  i.to.kind === 'ours' &&
  i.to.pkg === 'core' &&
  i.to.part !== undefined &&
  parts.includes(i.to.part);
const toLibrary = (i: Import, test: (name: string) => boolean) =>
  i.to.kind === 'library' && test(i.to.name);
const isHost = (name: string) =>
  /^(vite|astro)(\/|$)/.test(name) || name.startsWith('@astrojs/') || name.startsWith('@vitejs/');

/** The one file of core that may import a host: it loads a site's config through Vite. */
const CONFIG_LOADER = 'packages/core/src/cli/load-site.ts';

const RULES: Rule[] = [
  {
    name: 'adapters use core only through its entries',
    says:
      "The Vite plugin and the Astro integration import core only as '@headerforge/core', " +
      "'@headerforge/core/adapter' or its lightweight part '@headerforge/core/adapter/light' " +
      "(and, in their tests, '@headerforge/core/testing': see " +
      "'production never imports testing/'); never by a path into packages/core, never " +
      "'@headerforge/core/internal'.",
    fix:
      "Import it from '@headerforge/core/adapter' (or '@headerforge/core'). If core does not " +
      'export it yet, export it from packages/core/src/adapter/index.ts.',
    breaks: (i) =>
      ADAPTERS.includes(i.from.pkg) &&
      i.to.kind === 'ours' &&
      i.to.pkg === 'core' &&
      !(i.to.byName && ['', 'adapter', 'adapter/light', 'testing'].includes(i.to.subpath)),
  },
  {
    name: 'the Astro integration builds on the Vite plugin, not the other way round',
    says: "Of the adapters, only the Astro integration imports the other, and only as '@headerforge/vite'.",
    fix:
      "From the Astro integration import '@headerforge/vite' (export what it needs from " +
      'packages/vite-plugin/src/index.ts). The Vite plugin must not depend on the Astro integration.',
    breaks: (i) =>
      ADAPTERS.includes(i.from.pkg) &&
      i.to.kind === 'ours' &&
      ADAPTERS.includes(i.to.pkg) &&
      i.to.pkg !== i.from.pkg &&
      !(
        i.from.pkg === 'astro-integration' &&
        i.to.pkg === 'vite-plugin' &&
        i.to.byName &&
        i.to.subpath === ''
      ),
  },
  {
    name: 'the Vite plugin never imports Astro',
    says: "packages/vite-plugin/src never imports 'astro', 'astro/*' or '@astrojs/*'.",
    fix: 'Put Astro-specific code in packages/astro-integration, which builds on the Vite plugin.',
    breaks: (i) =>
      i.from.pkg === 'vite-plugin' &&
      toLibrary(i, (name) => /^astro(\/|$)/.test(name) || name.startsWith('@astrojs/')),
  },
  {
    name: 'core imports no host',
    says:
      "Core never imports 'vite', 'astro' or their subpaths ('vite/*', 'astro/*', '@astrojs/*', " +
      `'@vitejs/*'), except ${CONFIG_LOADER}, which loads a site's config through the site's Vite.`,
    fix:
      'Keep host-specific code in the adapters (packages/vite-plugin, packages/astro-integration), ' +
      'so that the library and the CLI run without Vite or Astro; core takes what it needs from ' +
      'the host as plain options or callbacks.',
    breaks: (i) =>
      coreFile(i) &&
      toLibrary(i, isHost) &&
      !(i.from.file === CONFIG_LOADER && i.specifier === 'vite'),
  },
  {
    name: 'core never imports the adapters',
    says: "Core never imports '@headerforge/vite' or '@headerforge/astro', nor a path into their sources.",
    fix: 'Move what both need into core (the adapters import it from @headerforge/core/adapter).',
    breaks: (i) => coreFile(i) && i.to.kind === 'ours' && ADAPTERS.includes(i.to.pkg),
  },
  {
    name: 'sources import by path only inside packages/*/src',
    says:
      "A relative import stays inside the packages' sources (never dist/, a package.json, the " +
      "repository's test/ or scripts/).",
    fix: 'Import the source module instead of the built one; read files such as package.json at run time.',
    breaks: (i) => i.to.kind === 'elsewhere',
  },
  {
    name: 'cache/ never imports openrouter/',
    says: 'the storage layer must not know the HTTP client.',
    fix:
      'Pass what the store needs in (a value or a callback), or move the shared piece down into ' +
      'image/ or errors/.',
    breaks: (i) => production(i) && inPart(i, 'cache') && toPart(i, 'openrouter'),
  },
  {
    name: 'production never imports testing/',
    says:
      "No file outside packages/core/src/testing/ imports testing/ ('@headerforge/core/testing') " +
      'or a test file, except tests (*.test.ts, *.test-support.ts).',
    fix:
      'Move what production needs out of testing/ (or out of the test file) into the part it ' +
      'belongs to; testing/ may import it from there.',
    breaks: (i) =>
      production(i) &&
      !inPart(i, 'testing') &&
      (toPart(i, 'testing') || (i.to.kind === 'ours' && i.to.testFile)),
  },
  {
    name: 'openrouter/ is HTTP only',
    says: 'openrouter/ imports nothing from cache/, pipeline/, site/ or cli/.',
    fix:
      'Keep the HTTP client free of storage, pipeline and site concerns: let the caller pass ' +
      'values in, or move the shared piece into image/ or errors/.',
    breaks: (i) =>
      production(i) && inPart(i, 'openrouter') && toPart(i, 'cache', 'pipeline', 'site', 'cli'),
  },
  {
    name: 'image/ is the shared vocabulary',
    says: 'image/ imports only errors/ (and itself) and libraries.',
    fix: 'Move the helper image/ needs into image/ or errors/, or move the code out of image/.',
    breaks: (i) =>
      production(i) && inPart(i, 'image') && i.to.kind === 'ours' && !toPart(i, 'image', 'errors'),
  },
  {
    name: 'remote/ never imports cache/',
    says: 'the backends (one file each) know nothing of the cache; the cache uses them.',
    fix: 'Give the backend what it needs as arguments, or move the shared piece into remote/.',
    breaks: (i) => production(i) && inPart(i, 'remote') && toPart(i, 'cache'),
  },
  {
    name: 'only cli/ imports cli/',
    says: 'the command reuses site/ and pipeline/, never the reverse.',
    fix: 'Move what the other part needs out of cli/ into site/ or pipeline/; cli/ imports it there.',
    breaks: (i) => production(i) && coreFile(i) && !inPart(i, 'cli') && toPart(i, 'cli'),
  },
  {
    name: 'internal/ is for this repository’s tests only',
    says:
      "No production code imports internal/ ('@headerforge/core/internal'): it is not a " +
      'published entry.',
    fix:
      'Import the module itself by its relative path; export it from index.ts or adapter/ if ' +
      'users or adapters need it.',
    breaks: (i) => production(i) && coreFile(i) && !inPart(i, 'internal') && toPart(i, 'internal'),
  },
  {
    name: 'every import can be checked',
    says:
      "Production code imports modules by literal specifiers (`import('x' as string)` counts), " +
      'so that these rules can see them.',
    fix: 'Write the module name as a string literal in the import.',
    breaks: (i) => production(i) && i.to.kind === 'computed',
  },
];

function describeTarget(to: Target): string {
  switch (to.kind) {
    case 'ours': {
      const where =
        to.part === undefined
          ? `packages/${to.pkg}/src`
          : to.part === 'index.ts'
            ? "core's index.ts"
            : `core's ${to.part}/`;
      return to.byName && to.part === undefined ? '' : ` (${where})`;
    }
    case 'elsewhere':
      return ` (${to.path}, outside the packages' sources)`;
    case 'library':
      return ` (the package ${to.name})`;
    case 'computed':
      return '';
  }
}

/** One violation: file, line, module, the rule broken and what to do. */
function explain(i: Import, rule: Rule): string {
  const module = i.specifier === undefined ? 'a computed module: import(…)' : `'${i.specifier}'`;
  return [
    `${i.from.file}:${i.line} imports ${module}${describeTarget(i.to)}`,
    `  breaks: ${rule.name} — ${rule.says}`,
    `  do:     ${rule.fix}`,
  ].join('\n');
}

/** The assertion message: every violation, each with its file, module, rule and fix. */
const report = (violations: string[]) =>
  `\n${violations.length} import(s) break the rule:\n\n${violations.join('\n\n')}\n\n`;

// --- The checks ---------------------------------------------------------------------------

describe('dependency rules (DESIGN.md, "Core modules")', () => {
  const imports = readImports();

  it('reads every form of import', () => {
    const code = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "import './c.js';",
      "export * from './d.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "const g = await import('g' as string);",
      'const h = await import(`h`);',
      'type I = import("i").I;',
      "import j = require('j');",
      'const k = await import(process.env.K);',
      "// import x from 'commented';",
      'const l = \'import m from "in-a-string"\';',
      "const n = require.resolve('n');",
      "const o = import.meta.resolve('o');",
      "const p = require('p');",
    ].join('\n');
    expect(moduleSpecifiers(code)).toEqual([
      { specifier: './a.js', line: 1 },
      { specifier: '../b.js', line: 2 },
      { specifier: './c.js', line: 3 },
      { specifier: './d.js', line: 4 },
      { specifier: './e.js', line: 5 },
      { specifier: './f.js', line: 6 },
      { specifier: 'g', line: 7 },
      { specifier: 'h', line: 8 },
      { specifier: 'i', line: 9 },
      { specifier: 'j', line: 10 },
      { specifier: undefined, line: 11 },
      { specifier: 'n', line: 14 },
      { specifier: 'o', line: 15 },
      { specifier: 'p', line: 16 },
    ]);
  });

  it(`sees ${CONFIG_LOADER}'s import('vite' as string), the one host import allowed`, () => {
    // If load-site stops importing Vite, drop its exception from 'core imports no host'.
    expect(
      imports.filter((i) => i.from.file === CONFIG_LOADER && i.specifier === 'vite'),
    ).toHaveLength(1);
  });

  it.each(RULES)('$name', (rule) => {
    const broken = imports.filter(rule.breaks).map((i) => explain(i, rule));
    expect(broken.length, report(broken)).toBe(0);
  });

  it('packages/core/src holds index.ts and folders only', () => {
    const src = join(root, 'packages/core/src');
    const loose = readdirSync(src)
      .filter((name) => name !== 'index.ts' && !statSync(join(src, name)).isDirectory())
      .map(
        (name) =>
          `packages/core/src/${name} is a loose file\n` +
          '  breaks: core/src holds index.ts and folders only, one folder per part of the design.\n' +
          '  do:     move it into the folder of the part it belongs to (DESIGN.md, "Core modules").',
      );
    expect(loose.length, `\n${loose.join('\n\n')}\n\n`).toBe(0);
  });
});
