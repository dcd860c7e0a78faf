// The site's math renderer at build time (blogext/markup/math.py starts one of these per build).
//
//   node katex_worker.cjs <katex package folder>
//
// Reads one JSON request a line on stdin and writes one JSON answer a line on stdout:
//   {"macros": {"\\R": "\\mathbb{R}"}, "items": [{"tex": "...", "display": true, "keep": true}, ...]}
//   -> {"results": [{"html": "..."} | {"error": "..."} | null, ...]}
// The items of a request are one page's equations in order: a \newcommand in one is seen by
// the later ones (KaTeX's globalGroup), starting from the site's macros. An item with
// "keep": false is rendered only for the macros it defines, and answered with null.
// Ends when stdin ends.
"use strict";

const readline = require("node:readline");
const katex = require(process.argv[2]);

// Only the links blogext/markup/math.py writes for \eqref and \ref (to an equation of the same page).
function trustFor(refused) {
  return (context) => {
    if (context.command === "\\href" && /^#equation-[\w-]+$/.test(context.url)) return true;
    refused.push(context.command);
    return false;
  };
}

// KaTeX's MathML as the page keeps it: without the TeX again as an annotation (text that search,
// feeds and copies would show as well), and the spacer cells beside a \tag sized by a style, as
// MathML Core has it, not by the width attribute it has dropped (the HTML checker refuses it); the
// drawing left out of the search index, which reads the MathML's text instead (as screen readers do).
function tidy(html) {
  return html
    .replace(/<annotation encoding="application\/x-tex">[\s\S]*?<\/annotation>/g, "")
    .replace(/<mtd width="([\d.]+%)">/g, '<mtd style="width:$1">')
    .replace(/<span class="katex-html" aria-hidden="true">/g, '<span class="katex-html" aria-hidden="true" data-pagefind-ignore>');
}

function render(item, macros) {
  const refused = [];
  try {
    const html = katex.renderToString(item.tex, {
      displayMode: item.display,
      output: "htmlAndMathml",
      throwOnError: true,
      strict: "ignore",
      globalGroup: true,
      macros,
      trust: trustFor(refused),
    });
    if (refused.length) {
      return { error: `${[...new Set(refused)].join(", ")} is not allowed in the site's math (no links, classes, styles or images)` };
    }
    return { html: tidy(html) };
  } catch (error) {
    return { error: String(error.message || error) };
  }
}

function answer(request) {
  const macros = { ...(request.macros || {}) };
  return {
    results: request.items.map((item) => {
      const result = render(item, macros);
      return item.keep ? result : null;
    }),
  };
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (error) {
    reply = { failure: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
