# Real posts of the kinds ML blogs publish (written for the tests): a notebook-derived post, mermaid-heavy
# notes, layout, citations, math in \text and an LLM tutorial, with the real site's rich extensions.
from pathlib import Path

import blogext

project = "Real posts test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.outputs.feeds",
    "blogext.pages.cards",
    "blogext.markup.layout",
    "blogext.markup.math",
    "blogext.markup.diagrams",
    "blogext.markup.citations",
    "blogext.markup.codeblocks",
    "blogext.outputs.offsite",
    "blogext.markup.localfiles",
    "blogext.outputs.csp",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://real.example.org/"
blog_title = "Real posts test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blogext_timezone = "UTC"
blogext_feed_tag_authority = "real.example.org"
blogext_feed_tag_date = "2024"
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
templates_path = []
# The site's own stylesheets, as the real site has them.
html_static_path = [str(Path(blogext.__file__).resolve().parent.parent / "_static")]
html_css_files = ["blog.css"]
myst_enable_extensions = [
    "colon_fence",
    "deflist",
    "attrs_inline",
    "attrs_block",
    "dollarmath",
    "amsmath",
    "substitution",
    "tasklist",
    "html_image",
    "fieldlist",
]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]
myst_dmath_double_inline = True
blogext_extra_front_matter_keys = ["myst"]
blogext_allowed_hosts = ["www.youtube-nocookie.com"]

# As the real site has them: "$2 ... $3.50" stays money.
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
