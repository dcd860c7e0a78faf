# Every extension of the site, with the fewest settings they need: the tests of the settings themselves
# (tests/test_settings.py) introspect what they register, and append bad settings to this file.
project = "Settings test blog"
author = "Test Author"
language = "en"
extensions = [
    "blogext.quiet",
    "blogext.rebuildwarned",
    "myst_parser",
    "blogext.notebooks",
    "ablog",
    "blogext.ablogadapter",
    "blogext.posts",
    "blogext.siteurl",
    "blogext.postmeta",
    "blogext.frontmatter",
    "blogext.drafts",
    "blogext.sessions",
    "sphinx_copybutton",
    "blogext.feeds",
    "sphinxext.opengraph",
    "notfound.extension",
    "blogext.findability",
    "blogext.sitemap",
    "blogext.hosting",
    "blogext.cards",
    "blogext.lightpages",
    "blogext.series",
    "blogext.freshness",
    "blogext.archives",
    "blogext.templatecache",
    "blogext.layout",
    "blogext.math",
    "blogext.diagrams",
    "blogext.citations",
    "blogext.codeblocks",
    "blogext.offsite",
    "blogext.localfiles",
    "blogext.csp",
    "blogext.postlists",
    "blogext.markuphints",
    "blogext.related",
    "blogext.readnext",
    "blogext.sharecards",
    "blogext.structured",
    "blogext.breadcrumbs",
    "blogext.sharelinks",
    "blogext.comments",
    "blogext.printing",
    "blogext.sidenotes",
    "blogext.previews",
    "blogext.figures",
    "blogext.codefold",
    "blogext.search",
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
nb_ipywidgets_js = {}  # a published page loads nothing from another host (blogext.notebooks)
nb_execution_mode = "off"  # a build never executes notebooks (blogext.freeze)
