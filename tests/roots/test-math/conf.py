# A blog with one post of every kind of equation the site draws (blogext.markup.math), one post about
# money with dollar signs, and one post without math; the site's MyST math settings and a macro.
from pathlib import Path

import blogext

project = "Math test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.outputs.feeds",
    "blogext.pages.cards",
    "blogext.markup.math",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://math.example.org/"
blog_title = "Math test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blogext_timezone = "UTC"
blogext_feed_tag_authority = "math.example.org"
blogext_feed_tag_date = "2024"
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
templates_path = []
html_static_path = [str(Path(blogext.__file__).resolve().parent.parent / "_static")]
html_css_files = ["blog.css"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
blogext_math_macros = {"R": r"\mathbb{R}", "norm": r"\left\lVert #1 \right\rVert"}
