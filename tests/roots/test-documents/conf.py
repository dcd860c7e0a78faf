# Every document Sphinx reads is known: one published post, a page, and (written by the tests)
# hidden files, draft pages outside posts/ and file names that are not plain URLs.
project = "Documents test blog"
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
include_patterns = ["index.md", "about.md", "notes/**", "posts/**"]
html_baseurl = "https://documents.example.org/"
blog_title = "Documents test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blog_feed_fulltext = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
# A list of this site's own: the theme appends to it in place, which would change Sphinx's shared
# default for the next build in the same process (the tests build in-process).
templates_path = []
