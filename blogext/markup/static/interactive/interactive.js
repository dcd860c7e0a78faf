// Interactive figures from notebooks (blogext.interactive): loaded only by pages that have one.
//
// Each .interactive-figure holds its spec as a JSON data block. The library of its kind (the site's own
// copies, in _static/interactive/) is loaded only when a figure comes within a screen of the viewport,
// and draws it in the page's light or dark theme (again when the reader switches theme): plotly.js's
// strict bundle, or Vega-Lite through vega-embed with vega-interpreter (no eval: the page's policy).
// Once drawn, the figure's stand-in picture (kept for feeds, print and readers without JavaScript) hides.
import { drawWhenNear, onThemeChange } from "./drawnear.js";
const BASE = new URL("interactive/", import.meta.url);
const LIBRARIES = {
  plotly: ["plotly-strict.min.js"],
  vegalite: ["vega.min.js", "vega-lite.min.js", "vega-interpreter.min.js", "vega-embed.min.js"],
};
// Plotly's layout in the dark theme: the figure's own colours for its data, light text on the page.
const NARROW = 560;
const DARK_AXIS = { gridcolor: "#3b4048", linecolor: "#6c727c", zerolinecolor: "#5a6069" };

const figures = [...document.querySelectorAll(".interactive-figure")];
const scripts = new Map();
const views = new Map();

function theme() {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

function script(name) {
  if (!scripts.has(name)) {
    scripts.set(
      name,
      new Promise((resolve, reject) => {
        const element = document.createElement("script");
        element.src = new URL(name, BASE).href;
        element.onload = resolve;
        element.onerror = () => reject(new Error(`${name} could not be loaded`));
        document.head.append(element);
      }),
    );
  }
  return scripts.get(name);
}

async function load(kind) {
  for (const name of LIBRARIES[kind]) await script(name);
}

function chartOf(box) {
  let chart = box.querySelector(":scope > .interactive-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "interactive-chart";
    box.querySelector(":scope > .interactive-spec").after(chart);
  }
  return chart;
}

function darkLayout(layout) {
  const dark = {
    ...layout,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(255,255,255,0.03)",
    font: { ...(layout.font || {}), color: "#e4e6ea" },
    legend: { ...(layout.legend || {}), bgcolor: "rgba(0,0,0,0)" },
  };
  const axes = Object.keys(layout).filter((key) => /^[xy]axis\d*$/.test(key));
  for (const key of new Set(["xaxis", "yaxis", ...axes])) dark[key] = { ...(layout[key] || {}), ...DARK_AXIS };
  return dark;
}

// On a narrow screen a legend beside the plot leaves it no room: it goes above the plot, across.
function narrowLayout(layout, chart) {
  if (chart.clientWidth >= NARROW || (layout.legend && layout.legend.orientation)) return layout;
  return { ...layout, legend: { ...(layout.legend || {}), orientation: "h", x: 0, y: 1.02, yanchor: "bottom" } };
}

async function drawPlotly(box, spec, chart) {
  const own = narrowLayout(spec.layout || {}, chart);
  const layout = theme() === "dark" ? darkLayout(own) : own;
  const config = { responsive: true, displaylogo: false, ...(spec.config || {}) };
  await window.Plotly.react(chart, spec.data || [], layout, config);
}

async function drawVegaLite(box, spec, chart) {
  views.get(box)?.finalize();
  // Options an author's spec carries (Altair's embed_options) do not override the page's.
  if (spec.usermeta) delete spec.usermeta.embedOptions;
  const result = await window.vegaEmbed(chart, spec, {
    mode: "vega-lite",
    renderer: "svg",
    actions: false,
    ast: true,
    expr: window.vega.expressionInterpreter,
    theme: theme() === "dark" ? "dark" : undefined,
  });
  views.set(box, result);
}

async function draw(box) {
  const kind = box.dataset.kind;
  if (!(kind in LIBRARIES)) return;
  try {
    const spec = JSON.parse(box.querySelector(":scope > .interactive-spec").textContent);
    await load(kind);
    const chart = chartOf(box);
    await (kind === "plotly" ? drawPlotly(box, spec, chart) : drawVegaLite(box, spec, chart));
    box.dataset.drawn = theme();
  } catch (error) {
    console.error("The interactive figure could not be drawn:", error);
  }
}

const near = drawWhenNear(figures, draw);

// The reader switched theme: figures already drawn are drawn again in the new one.
onThemeChange(() => {
  for (const box of figures) {
    if (box.dataset.drawn && box.dataset.drawn !== theme()) draw(box);
  }
});

// Printing: every figure not drawn yet starts drawing (print shows a stand-in picture where there is one).
window.addEventListener("beforeprint", () => {
  for (const box of figures) {
    if (!box.dataset.drawn) {
      near.unobserve(box);
      draw(box);
    }
  }
});
