# Drafts and scheduled posts: three published posts (one dated on the tests' "today",
# 2024-06-01, which they inject with BLOG_TODAY), a draft, an undated draft and a
# scheduled post. Each unpublished post has marker text, an image and a tag of its own.
project = "Drafts test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.core.drafts",
    "blogext.outputs.sitemap",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://drafts.example.org/"
blog_title = "Drafts test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blog_feed_fulltext = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
# A list of this site's own: the theme appends to it in place, which would change Sphinx's shared
# default for the next build in the same process (the tests build in-process).
templates_path = []
