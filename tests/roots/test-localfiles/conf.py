# Local files of posts: images (Markdown, raw HTML anywhere), media, downloads, includes, all from
# inside the source folder (blogext.markup.localfiles); the attacks are added to a copy by the tests, and
# so are the feeds (blogext.outputs.feeds brings blogext.core.frontmatter, whose own checks stop a build
# early).
project = "Local files test blog"
author = "Ada Lovelace"
copyright = "2024, Ada Lovelace"
language = "en"
extensions = [
    "myst_parser",
    "ablog",
    "blogext.core.siteurl",
    "blogext.core.hosting",
    "blogext.markup.localfiles",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://files.example.org/"
myst_enable_extensions = ["colon_fence", "html_image"]
blog_title = "Local files test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_feed_archives = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
templates_path = []
