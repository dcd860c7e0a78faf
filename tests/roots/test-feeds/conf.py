# A blog for the feed tests: two authors, updates, links between posts, an image,
# a code block, a draft, a future-dated post, and a feed added through blog-collect-feeds.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "Feeds test blog"
author = "Ada Lovelace"
copyright = "2024, Ada Lovelace"
language = "en"
# As the real site: front matter checked, drafts and scheduled posts held back.
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.core.drafts",
    "blogext.outputs.feeds",
    "pairfeed",
]
include_patterns = ["index.md", "about.md", "pair.md", "posts/**"]
html_baseurl = "https://feeds.example.org/"
myst_heading_anchors = 3
blog_title = "Feeds test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {"ada": ("Ada Lovelace", "about"), "grace": ("Grace Hopper", "https://grace.example.net/")}
blog_default_author = "ada"
blog_feed_archives = True
blog_feed_subtitle = "Posts for testing feeds."
blogext_timezone = "Europe/London"
blogext_feed_tag_authority = "feeds.example.org"
blogext_feed_tag_date = "2024"
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
html_theme_options = {"footer_end": ["subscribe.html"]}
templates_path = ["_templates"]  # the tests copy in the site's _templates/subscribe.html
