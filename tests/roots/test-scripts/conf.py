# Share cards for titles in every script: one post per script, the share cards' extension alone.
project = "Scripts test blog"
author = "Test Author"
extensions = ["myst_parser", "ablog", "blogext.core.siteurl", "blogext.outputs.sharecards"]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://blog.example.org/"
blog_title = "Scripts test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
# A list of this site's own: the theme appends to it in place (the tests build in-process).
templates_path = []
# The site draws its own cards (blogext.outputs.sharecards), not sphinxext-opengraph's.
ogp_social_cards = {"enable": False}
