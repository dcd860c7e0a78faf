# Posts written by an attacker (tests/test_escaping.py): titles, tags, a category, an author,
# descriptions and a series title holding HTML and script. Built with the site's own templates
# and static files and the extensions that show posts on other pages.
from pathlib import Path

import blogext

SITE = Path(blogext.__file__).resolve().parent.parent

project = "Escaping test blog"
author = "Test Author"
language = "en"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.ablogadapter",
    "blogext.core.posts",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.outputs.feeds",
    "sphinxext.opengraph",
    "blogext.outputs.findability",
    "blogext.pages.cards",
    "blogext.pages.series",
    "blogext.pages.archives",
    "blogext.pages.related",
    "blogext.outputs.sharecards",
    "blogext.outputs.structured",
]
include_patterns = ["index.md", "posts/**", "series/**"]
html_baseurl = "https://blog.example.org/"
blog_title = "Escaping test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {}  # any author name a post gives
blog_feed_archives = True
blogext_timezone = "Europe/London"
blogext_feed_tag_authority = "blog.example.org"
blogext_feed_tag_date = "2024"
post_auto_excerpt = 1
post_show_prev_next = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}
# The recent posts in one page's sidebar, to check that template too.
html_sidebars = {"**": [], "posts/2024/plain": ["ablog/recentposts.html"]}
html_title = "Escaping test blog"
templates_path = [str(SITE / "_templates")]
html_static_path = [str(SITE / "_static")]
html_css_files = ["blog.css"]
ogp_social_cards = {"enable": False}
html_context = {"default_mode": "auto"}  # as the site: the theme complains of no mode otherwise
