# Two series, a post outside them, and a future-dated part that must stay invisible.
project = "Series test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.outputs.feeds",
    "blogext.pages.series",
]
include_patterns = ["index.md", "posts/**", "series/**"]
html_baseurl = "https://blog.example.org/"
blog_title = "Series test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
blogext_feed_tag_authority = "blog.example.org"
blogext_feed_tag_date = "2024"
# A list of this site's own: the theme appends to it in place, which would change Sphinx's shared
# default for the next build in the same process (the tests build in-process).
templates_path = []
