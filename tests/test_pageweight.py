"""Issue 26's weight promise: a post without notes, citations or figures weighs at most 10 KB (gzipped)
more than before the issue's work began. Weighed as tools/pageweight.py weighs it: every document,
stylesheet and script the page loads in Chromium at a phone's and a desktop's width, each gzipped
(level 6, as a static host serves it); fonts and images left out.
"""

from __future__ import annotations

import sys

import pytest
from checkers import REPO

sys.path.insert(0, str(REPO / "tools"))
from pageweight import weigh  # noqa: E402
from siteserver import serve  # noqa: E402

#: The real blog's post with nothing but text, headings and code.
PLAIN_POST = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"
#: That post's HTML, CSS and JS in bytes, gzipped, built from the commit before issue 26's first
#: commits (the merge of KaTeX at build time), weighed by tools/pageweight.py. A newer theme or
#: Sphinx changes it: weigh the old commit again with the new versions and record the number.
BEFORE_ISSUE_26 = 127_515
#: What issue 26 allows a plain post to add.
ALLOWED = 10 * 1024


@pytest.mark.browser
def test_a_plain_post_weighs_at_most_10_kb_gzipped_more_than_before_issue_26(browser, site):
    page = site.html(PLAIN_POST)
    assert not page.select(".footnote-reference, .bibtex-citation, figure, .katex, .mermaid"), (
        "the post is no longer plain: weigh another one"
    )
    with serve(site.outdir) as server:
        sizes = weigh(browser, server.url + PLAIN_POST)
    total = sum(sizes.values())
    listed = "\n".join(f"{size:8d}  {path}" for path, size in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total <= BEFORE_ISSUE_26 + ALLOWED, (
        f"{total} bytes gzipped, {total - BEFORE_ISSUE_26:+d}:\n{listed}"
    )
    assert any(path.endswith(".css") for path in sizes) and any(path.endswith(".js") for path in sizes)
