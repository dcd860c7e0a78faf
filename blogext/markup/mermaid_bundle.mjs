// The site's own build of mermaid for the browser (blogext/markup/diagrams.py runs it once per mermaid and
// esbuild version; the result is kept in the doctree folder, never committed).
//
//   node mermaid_bundle.mjs <mermaid package folder> <output folder>
//
// esbuild (a pinned dependency in package.json) bundles mermaid's ES module core, dist/mermaid.core.mjs,
// with the dependencies npm installed next to it, split into chunks as mermaid's own browser build is
// (the entry and the shared core a page imports at once; each diagram type, KaTeX and each layout in
// chunks of their own, imported when a diagram needs them), in the same layout: mermaid.esm.min.mjs
// and chunks/mermaid.esm.min/. What differs from mermaid's own build: its dependencies are not wrapped
// to keep their functions' names (mermaid's own code in dist keeps them), which a page pays for
// in bytes and mermaid does not need of them. Prints {"esbuild": version} when done.
import { createRequire } from "node:module";
import path from "node:path";

const [folder, output] = process.argv.slice(2).map((arg) => path.resolve(arg));
const esbuild = createRequire(path.join(folder, "package.json"))("esbuild");

await esbuild.build({
  entryPoints: [{ in: path.join(folder, "dist", "mermaid.core.mjs"), out: "mermaid.esm.min" }],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  outdir: output,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/mermaid.esm.min/[name]-[hash]",
  logLevel: "error",
});
process.stdout.write(JSON.stringify({ esbuild: esbuild.version }) + "\n");
