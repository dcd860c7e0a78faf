"""Writes the notebooks of this test root (run by hand; the notebooks are committed).

``interactive-figures.ipynb`` holds a Plotly figure as plotly's notebook renderer stores it (the
``application/vnd.plotly.v1+json`` spec with its template, and the ``text/html`` that loads plotly.js
from its CDN) and an Altair chart as Altair's ``mimetype`` renderer stores it (the Vega-Lite v5 spec, its
``text/plain``, and an ``image/png``, the stand-in). Both have strings that would end a script block or
open a tag if they were not escaped. Long text comes first: the figures are below the fold.
``frozen-chart.md`` is a text notebook whose Altair chart is frozen under ``_freeze/`` (as ``nox -s freeze``
writes it, with a record).

    PYTHONPATH=<the repository> python make_notebooks.py
"""

import base64
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).parent / "posts" / "2024"
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
HOSTILE = "</script><img src=x onerror=alert(1)><!--"
#: A part of plotly.py's "plotly" template, as every figure carries it (geo and map defaults included).
TEMPLATE = {
    "data": {
        "scatter": [{"marker": {"colorbar": {"outlinewidth": 0, "ticks": ""}}, "type": "scatter"}],
        "scattergeo": [{"marker": {"colorbar": {"outlinewidth": 0, "ticks": ""}}, "type": "scattergeo"}],
        "choropleth": [{"colorbar": {"outlinewidth": 0, "ticks": ""}, "type": "choropleth"}],
    },
    "layout": {
        "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A"],
        "font": {"color": "#2a3f5f"},
        "geo": {"bgcolor": "white", "landcolor": "#E5ECF6", "showland": True},
        "hovermode": "closest",
        "paper_bgcolor": "white",
        "plot_bgcolor": "#E5ECF6",
        "xaxis": {"gridcolor": "white", "linecolor": "white", "ticks": "", "zerolinecolor": "white"},
        "yaxis": {"gridcolor": "white", "linecolor": "white", "ticks": "", "zerolinecolor": "white"},
    },
}
EPOCHS = list(range(1, 11))
TRAIN = [2.31, 1.62, 1.21, 0.97, 0.81, 0.70, 0.62, 0.57, 0.53, 0.50]
VALID = [2.12, 1.55, 1.25, 1.06, 0.95, 0.89, 0.86, 0.85, 0.85, 0.86]


def plotly_figure():
    spec = {
        "config": {"plotlyServerURL": "https://plot.ly"},
        "data": [
            {"mode": "lines+markers", "name": "training", "type": "scatter", "x": EPOCHS, "y": TRAIN},
            {
                "mode": "lines+markers",
                "name": "validation " + HOSTILE,
                "type": "scatter",
                "x": EPOCHS,
                "y": VALID,
            },
        ],
        "layout": {
            "template": TEMPLATE,
            "title": {"text": "Loss by epoch"},
            "xaxis": {"title": {"text": "epoch"}},
            "yaxis": {"title": {"text": "loss"}},
            "height": 420,
        },
    }
    html = (
        '<div>                        <script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: '
        '\'local\'};</script>\n        <script charset="utf-8" src="https://cdn.plot.ly/plotly-2.35.2.min.js">'
        '</script>                <div id="5d3c" class="plotly-graph-div" style="height:420px; width:100%;">'
        '</div>            <script type="text/javascript">Plotly.newPlot("5d3c", [], {})</script></div>'
    )
    return {"application/vnd.plotly.v1+json": spec, "text/html": html}


def altair_chart():
    rows = [{"model": m, "accuracy": a} for m, a in [("logistic", 0.81), ("forest", 0.86), ("boosted", 0.89)]]
    rows.append({"model": HOSTILE, "accuracy": 0.5})
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json",
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        "data": {"name": "data-8f1e"},
        "datasets": {"data-8f1e": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "model", "type": "nominal", "sort": None},
            "y": {"field": "accuracy", "type": "quantitative"},
            "tooltip": [{"field": "model", "type": "nominal"}, {"field": "accuracy", "type": "quantitative"}],
        },
        "title": "Accuracy by model",
        "width": 320,
        "height": 240,
    }
    figure, axes = plt.subplots(figsize=(4, 3), dpi=80)
    axes.bar([r["model"][:10] for r in rows], [r["accuracy"] for r in rows])
    axes.set_title("Accuracy by model")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return {
        "application/vnd.vegalite.v5+json": spec,
        "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "text/plain": "<VegaLite 5 object>\n\nIf you see this message, it means the renderer has not been "
        "properly enabled\nfor the frontend that you are using.",
    }


def code(source, data, index):
    output = {"output_type": "execute_result", "execution_count": index, "metadata": {}, "data": data}
    return {
        "cell_type": "code",
        "execution_count": index,
        "metadata": {},
        "outputs": [output],
        "source": source,
    }


def main():
    text = " ".join(["A model learns, and the loss falls, slowly at first and then faster."] * 12)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Interactive figures\n\n" + text}]
    cells += [
        {"cell_type": "markdown", "metadata": {}, "source": f"## Part {n}\n\n{text}"} for n in range(1, 5)
    ]
    cells.append(
        code("fig = px.line(losses, x='epoch', y=['training', 'validation'])\nfig", plotly_figure(), 1)
    )
    cells.append({"cell_type": "markdown", "metadata": {}, "source": "## Models\n\n" + text})
    cells.append(code("alt.Chart(scores).mark_bar().encode(x='model', y='accuracy')", altair_chart(), 2))
    metadata = {"date": "2024-05-01", "tags": ["Python"], "category": "Tutorials", **KERNEL}
    notebook = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}
    (HERE / "interactive-figures.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", "utf-8")
    frozen_chart()


FROZEN_TEXT = """---
date: 2024-05-02
tags: [Python]
category: Tutorials
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---

# A frozen chart

An Altair chart, frozen by nox -s freeze.

```{code-cell} python3
alt.Chart(scores).mark_line().encode(x="step", y="score")
```
"""


def frozen_chart():
    from myst_nb.core.read import read_myst_markdown_notebook

    from blogext.markup import freeze

    (HERE / "frozen-chart.md").write_text(FROZEN_TEXT, "utf-8")
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json",
        "data": {"values": [{"step": s, "score": v} for s, v in [(1, 0.2), (2, 0.5), (3, 0.7), (4, 0.8)]]},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "step", "type": "quantitative"},
            "y": {"field": "score", "type": "quantitative"},
        },
        "title": "Score by step",
    }
    data = {"application/vnd.vegalite.v5+json": spec, "text/plain": "<VegaLite 5 object>"}
    output = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": data}
    frozen = {
        "cells": [{"cell": 2, "execution_count": 1, "outputs": [output]}],
        "digest": freeze.digest(read_myst_markdown_notebook(FROZEN_TEXT)),
        "kernel": "python3",
        "language_info": {"name": "python", "version": "3.11.7"},
        "record": {"executed": "2024-05-02T10:00:00Z", "packages": {"altair": "5.5.0"}, "python": "3.11.7"},
        "source": "posts/2024/frozen-chart.md",
    }
    folder = HERE.parent.parent / "_freeze" / "posts" / "2024" / "frozen-chart"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outputs.json").write_text(json.dumps(frozen, indent=1, sort_keys=True) + "\n", "utf-8")


if __name__ == "__main__":
    main()
