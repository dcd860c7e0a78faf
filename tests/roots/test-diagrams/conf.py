# Diagrams: a flowchart, a class diagram and a Gantt chart (blogext.markup.diagrams), one below the fold.
# with the site's extensions for them, under its Content-Security-Policy (see docs/rich-posts.md).
from pathlib import Path

import blogext

project = "Diagrams test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.outputs.feeds",
    "blogext.markup.diagrams",
    "blogext.markup.codeblocks",
    "blogext.outputs.offsite",
    "blogext.outputs.csp",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://diagrams.example.org/"
blog_title = "Diagrams test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blogext_timezone = "UTC"
blogext_feed_tag_authority = "diagrams.example.org"
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
