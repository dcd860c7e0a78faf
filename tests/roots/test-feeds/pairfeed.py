"""A stand-in for the series feature: one more feed, through ``blog-collect-feeds``.

It names the future-dated post too, which the feed must drop. ``PAIRFEED_PATH``
lets a test hand the feeds a bad path.
"""

import os

from blogext.outputs.feeds import FeedSpec


def _collect(app):
    posts = ("posts/2024/target", "posts/2024/linked", "posts/2099/future")
    path = os.environ.get("PAIRFEED_PATH", "pair/atom.xml")
    return [FeedSpec(key="series:pair", path=path, title="The pair", docnames=posts, page="pair")]


def setup(app):
    app.connect("blog-collect-feeds", _collect)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
