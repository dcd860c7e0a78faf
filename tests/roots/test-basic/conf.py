# A minimal blog with the site's own extensions: three posts, two tags, two categories.
project = "Basic test blog"
author = "Test Author"
extensions = ["myst_parser", "ablog", "blogext.core.siteurl", "blogext.pages.postmeta"]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://blog.example.org/"
blog_title = "Basic test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
blog_feed_fulltext = True
fontawesome_included = True
blogext_words_per_minute = 100
html_theme = "pydata_sphinx_theme"
# A list of this site's own: the theme appends to it in place, which would change Sphinx's shared
# default for the next build in the same process (the tests build in-process).
templates_path = []
