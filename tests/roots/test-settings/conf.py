# Every extension of the site, with the fewest settings they need: the tests of the settings themselves
# (tests/test_settings.py) introspect what they register, and append bad settings to this file.
project = "Settings test blog"
author = "Test Author"
language = "en"
extensions = [
    "blogext.core.quiet",
    "blogext.core.rebuildwarned",
    "myst_parser",
    "blogext.markup.notebooks",
    "ablog",
    "blogext.core.ablogadapter",
    "blogext.core.posts",
    "blogext.core.siteurl",
    "blogext.pages.postmeta",
    "blogext.core.frontmatter",
    "blogext.core.drafts",
    "blogext.markup.sessions",
    "sphinx_copybutton",
    "blogext.outputs.feeds",
    "sphinxext.opengraph",
    "notfound.extension",
    "blogext.outputs.findability",
    "blogext.outputs.sitemap",
    "blogext.core.hosting",
    "blogext.pages.cards",
    "blogext.pages.lightpages",
    "blogext.pages.series",
    "blogext.core.freshness",
    "blogext.pages.archives",
    "blogext.core.templatecache",
    "blogext.markup.layout",
    "blogext.markup.math",
    "blogext.markup.diagrams",
    "blogext.markup.citations",
    "blogext.markup.codeblocks",
    "blogext.outputs.offsite",
    "blogext.markup.localfiles",
    "blogext.outputs.csp",
    "blogext.markup.postlists",
    "blogext.markup.markuphints",
    "blogext.pages.related",
    "blogext.pages.readnext",
    "blogext.outputs.sharecards",
    "blogext.outputs.structured",
    "blogext.pages.breadcrumbs",
    "blogext.pages.sharelinks",
    "blogext.pages.comments",
    "blogext.pages.printing",
    "blogext.markup.sidenotes",
    "blogext.pages.previews",
    "blogext.markup.figures",
    "blogext.markup.codefold",
    "blogext.outputs.search",
]
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://settings.example.org/"
templates_path = ["_templates"]  # the tests copy in the site's templates
blog_title = "Settings test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {"ada": ("Ada Lovelace", "https://ada.example.net/")}
blog_default_author = "ada"
blog_feed_archives = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
blogext_feed_tag_authority = "settings.example.org"
blogext_feed_tag_date = "2024"
nb_ipywidgets_js = {}  # a published page loads nothing from another host (blogext.markup.notebooks)
nb_execution_mode = "off"  # a build never executes notebooks (blogext.markup.freeze)
