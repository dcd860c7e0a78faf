# One good post; each front-matter test writes one bad post next to it.
project = "Bad post test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.core.frontmatter",
    "blogext.core.drafts",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://badpost.example.org/"
myst_enable_extensions = ["colon_fence"]
blog_post_pattern = ["posts/*/*"]
blog_authors = {"ada": ("Ada Lovelace", None), "grace": ("Grace Hopper", None)}
fontawesome_included = True
html_theme = "basic"
# A list of this site's own: the theme appends to it in place, which would change Sphinx's shared
# default for the next build in the same process (the tests build in-process).
templates_path = []
