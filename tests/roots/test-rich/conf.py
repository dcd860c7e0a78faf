# A blog of rich posts: math, a diagram, sphinx-design layout, citations and MyST syntax,
# with the site's extensions for them (see docs/rich-posts.md).
from pathlib import Path

import blogext

project = "Rich test blog"
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
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://rich.example.org/"
blog_title = "Rich test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blogext_timezone = "UTC"
blogext_feed_tag_authority = "rich.example.org"
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
