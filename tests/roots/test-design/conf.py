# A small blog with the design's extensions: cards, findability (opengraph,
# sitemap, 404 page) and light pages. Two posts, one with a description.
project = "Design test blog"
author = "Test Author"
extensions = [
    "myst_parser",
    "ablog",
    "sphinx_copybutton",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.outputs.findability",
    "blogext.outputs.sitemap",
    "blogext.pages.cards",
    "blogext.pages.lightpages",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://blog.example.org/"
blog_title = "Design test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {"tester": ("Test Author", "index")}
blog_default_author = "tester"
blogext_author_bios = {"tester": "Writes test posts."}
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
templates_path = ["_templates"]  # the tests copy in the site's archive template
ogp_image = "_static/card.png"
ogp_social_cards = {"enable": False}
