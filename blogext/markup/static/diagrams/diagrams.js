// Mermaid diagrams (blogext.diagrams): loaded only by pages that have one.
//
// Each <pre class="mermaid"> holds a diagram's source. Mermaid (the site's copy, in _static/mermaid/)
// is imported only when a diagram comes within a screen of the viewport, and draws each diagram as it
// comes near, in the page's light or dark theme (drawn again when the reader switches theme).
// A drawing is shown at its own size, never wider; in a narrower column it is scaled down to three
// quarters of that at most, then the box scrolls sideways (focusable, so keys scroll it too, and
// labelled so), its shadows showing there is more.
import { drawWhenNear, onThemeChange } from "./drawnear.js";
const MERMAID = new URL("mermaid/mermaid.esm.min.mjs", import.meta.url).href;
const SMALLEST_SCALE = 0.75;
// A Gantt chart is drawn as wide as its column, or wider when its dates would overprint: then it is
// drawn again wide enough for them (and scaled or scrolled like any other diagram).
const GAP = 12;

const diagrams = [...document.querySelectorAll("pre.mermaid")];
const sources = new Map(diagrams.map((pre) => [pre, pre.textContent]));
const ganttWidths = new Map();
let loading = null;
let queue = Promise.resolve();

function theme() {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "default";
}

function mermaid() {
  loading ??= import(MERMAID).then((module) => module.default);
  return loading;
}

function fit(pre) {
  const svg = pre.querySelector("svg");
  if (!svg) return;
  const width = svg.viewBox.baseVal && svg.viewBox.baseVal.width;
  if (!width) return;
  svg.style.maxWidth = "none";
  svg.style.width = `clamp(${Math.round(width * SMALLEST_SCALE)}px, 100%, ${Math.ceil(width)}px)`;
  svg.style.height = "auto";
  const scrolls = pre.scrollWidth > pre.clientWidth + 1;
  pre.classList.toggle("diagram-scrolls", scrolls);
  if (scrolls) {
    pre.tabIndex = 0;
    pre.setAttribute("aria-label", "Diagram (scroll sideways to see all of it)");
  } else {
    pre.removeAttribute("tabindex");
    pre.removeAttribute("aria-label");
  }
}

// The width a Gantt chart drawn *width* wide needs for its dates not to overprint, or 0 if it has it.
function ganttWidthNeeded(pre, width) {
  // On screen, as drawn now: the ratio of a date's width to the spacing of dates is the drawing's own.
  const dates = [...pre.querySelectorAll("svg .grid .tick text")].map((text) => text.getBoundingClientRect());
  if (dates.length < 2) return 0;
  const svg = pre.querySelector("svg").getBoundingClientRect();
  const scale = svg.width / pre.querySelector("svg").viewBox.baseVal.width;
  dates.sort((a, b) => a.left - b.left);
  let spacing = Infinity;
  for (let i = 1; i < dates.length; i += 1) spacing = Math.min(spacing, dates[i].left - dates[i - 1].left);
  const widest = Math.max(...dates.map((box) => box.width));
  if (!(spacing > 0) || !(scale > 0) || widest + GAP * scale <= spacing) return 0;
  return Math.ceil((width * (widest + GAP * scale)) / spacing);
}

async function render(library, pre) {
  const width = ganttWidths.get(pre) || pre.clientWidth;
  library.initialize({ startOnLoad: false, securityLevel: "strict", theme: theme(), gantt: { useWidth: width } });
  pre.removeAttribute("data-processed");
  pre.textContent = sources.get(pre);
  await library.run({ nodes: [pre] });
  return width;
}

function draw(pre) {
  queue = queue.then(async () => {
    const library = await mermaid();
    try {
      const width = await render(library, pre);
      const needed = ganttWidthNeeded(pre, width);
      if (needed) {
        ganttWidths.set(pre, needed);
        await render(library, pre);
      }
    } catch (error) {
      console.error("The diagram could not be drawn:", error);
    }
    pre.dataset.theme = theme();
    fit(pre);
  });
  return queue;
}

drawWhenNear(diagrams, draw);

// The reader switched theme: diagrams already drawn are drawn again in the new one.
onThemeChange(() => {
  for (const pre of diagrams) {
    if (pre.dataset.theme && pre.dataset.theme !== theme()) draw(pre);
  }
});

// A wider or narrower window: scaled or scrolled again.
new ResizeObserver(() => diagrams.forEach(fit)).observe(document.body);
