// The site's check of mermaid diagrams at build time (blogext/markup/diagrams.py starts one of these per build).
//
//   node mermaid_worker.mjs <mermaid package folder>
//
// Reads one JSON request a line on stdin and writes one JSON answer a line on stdout:
//   {"items": ["flowchart LR\n  a --> b", ...]}
//   -> {"results": [{"type": "flowchart-v2"} | {"error": "Parse error on line 2: ..."}, ...]}
// Each item is parsed by mermaid's own parser (mermaid.parse), the one the reader's browser runs,
// so a diagram that passes here draws there. Nothing is drawn: parsing needs no DOM, except that
// mermaid sets up DOMPurify hooks (for labels it would draw), and DOMPurify without a window has
// none; they are given empty ones here, as nothing parsed here reaches a page.
// Ends when stdin ends.
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

const folder = path.resolve(process.argv[2]);
const require = createRequire(path.join(folder, "package.json"));

async function importFrom(file) {
  return (await import(pathToFileURL(file).href)).default;
}

// The ES module build of DOMPurify that mermaid imports (the same module instance).
const purify = await importFrom(path.join(path.dirname(require.resolve("dompurify")), "purify.es.mjs"));
for (const name of ["addHook", "removeHook", "removeHooks", "removeAllHooks", "setConfig", "clearConfig"]) {
  purify[name] ??= () => {};
}
purify.sanitize ??= (text) => text;

const mermaid = await importFrom(path.join(folder, "dist", "mermaid.core.mjs"));
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

async function check(source) {
  try {
    const parsed = await mermaid.parse(source);
    return { type: parsed.diagramType };
  } catch (error) {
    return { error: String((error && error.message) || error) };
  }
}

let queue = Promise.resolve();
const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  queue = queue.then(async () => {
    let reply;
    try {
      const request = JSON.parse(line);
      reply = { results: [] };
      for (const item of request.items) reply.results.push(await check(item));
    } catch (error) {
      reply = { failure: String((error && error.message) || error) };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
});
