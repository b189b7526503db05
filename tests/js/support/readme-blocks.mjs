// The code blocks of a Markdown file that use the package, so a test can type-check exactly what
// the documentation shows.

const FENCE = /^```(\w*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
const USES_PACKAGE = /\bfrom\s+['"](?:npm:)?bitcoin-ltl(?:\/[\w-]+)?['"]/;

/** Every fenced block as { lang, code, line } (line: 1-based line of the opening fence). */
export function codeBlocks(markdown) {
  const blocks = [];
  for (const match of markdown.matchAll(FENCE)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ lang: match[1], code: match[2], line });
  }
  return blocks;
}

/** The ```js / ```ts blocks that import `bitcoin-ltl` or one of its subpaths. */
export function packageBlocks(markdown) {
  // The ElizaOS block needs @elizaos/core's declarations: the ElizaOS suite type-checks it there.
  return codeBlocks(markdown).filter((b) => (b.lang === 'js' || b.lang === 'ts') && USES_PACKAGE.test(b.code) && !/['"]@elizaos\/core['"]/.test(b.code));
}

/**
 * A block as a TypeScript module for tsc: `npm:bitcoin-ltl` (Deno's spelling) becomes the bare
 * name, and a trailing `export {}` keeps a block without imports a module.
 */
export function asTypeScriptModule(block, origin) {
  const code = block.code.replace(/(['"])npm:bitcoin-ltl/g, '$1bitcoin-ltl');
  return `// ${origin}:${block.line} (\`\`\`${block.lang})\n${code}\nexport {};\n`;
}
