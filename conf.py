"""Sphinx configuration for the blog: settings only.

Every behaviour lives in a module of the local extension package ``blogext``
(one module per feature); this file only switches features on and sets them.
The blog's own settings are named ``blogext_*``; ``blog_*`` settings are ABlog's.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # makes the local ``blogext`` package importable

# -- Site ---------------------------------------------------------------------
project = "Shruti Turner"
author = "Shruti Turner"
copyright = "2023-2026, Shruti Turner"
language = "en"

extensions = [
    "blogext.core.quiet",  # first: before the packages whose false alarms it silences
    "blogext.core.rebuildwarned",  # early: every warning of the build is seen (a warned page is read again)
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

root_doc = "index"
include_patterns = ["index.md", "about.md", "posts/**", "series/**"]
templates_path = ["_templates"]
html_static_path = ["_static"]

# -- Hosting (blogext.core.siteurl, blogext.core.hosting; see docs/hosting.md) ------------------
# The published URL: the GitHub Pages user site. The site workflow passes its repository
# (BLOG_PAGES_REPOSITORY), which wins, so a fork or a project repository gets its own URL.
html_baseurl = "https://shrutiturner.github.io/"
# A custom domain (blog.example.org) wins over the Pages URL; a CNAME file next to this one does too.
blogext_custom_domain = ""
# The copy search engines and feed readers should know. Empty: the GitHub Pages URL, so the
# Read the Docs copy points its canonical links and feeds there.
blogext_canonical_url = ""

# -- MyST -------------------------------------------------------------------------
myst_enable_extensions = [
    "colon_fence",
    "deflist",
    "attrs_inline",
    "attrs_block",
    "dollarmath",
    "amsmath",
    "substitution",
    "tasklist",
    "html_image",
    "fieldlist",
]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]  # ```mermaid fences are diagrams (blogext.markup.diagrams)
myst_dmath_double_inline = True  # $$...$$ inside a paragraph is display math too
# "costs $2 on one cloud and $3.50 on another" is text: no inline math starts or ends with a space,
# or touches a digit outside its dollars (write \$ for a dollar sign inside math).
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
blogext_extra_front_matter_keys = ["myst"]  # a post's own substitutions; myst-parser checks the value

# -- Rich posts (see docs/rich-posts.md) ------------------------------------
blogext_allowed_hosts = []  # blogext.outputs.offsite: hosts a page may load images, iframes, ... from (none)

# -- Math (blogext.markup.math; see docs/rich-posts.md) ----------------------------------------------
# Macros every post's math can use: name (without the backslash) -> TeX, with #1, #2... for arguments.
blogext_math_macros = {}

# -- Notebooks (blogext.markup.notebooks, myst-nb; see docs/notebooks.md) ------------
# A build never executes: notebooks without stored outputs render what `nox -s freeze` froze in _freeze/.
nb_execution_mode = "off"
nb_execution_timeout = 30  # seconds a cell may run in `nox -s freeze`; a post: mystnb: {execution_timeout: N}
# "Open in Colab" / "Open in Binder" links under .ipynb posts (plain links), e.g.
# {"repository": "shrutiturner/shrutiturner.github.io", "branch": "main", "colab": True, "binder": True}
blogext_notebook_launch = {}
nb_ipywidgets_js = {}  # widgets' scripts come from a CDN: a published page loads nothing off-site

# -- Copy button: copies only the commands of a console session, without "$ " ----------
copybutton_prompt_text = "$ "
copybutton_only_copy_prompt_lines = True

# -- ABlog ------------------------------------------------------------------------
blog_title = "Shruti Turner"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {"shruti": ("Shruti Turner", "about")}
blog_default_author = "shruti"
blog_feed_archives = True
blog_feed_subtitle = "Notes from a machine-learning engineer: her journey in ML Engineering, and Git guides."
post_date_format = "%d %B %Y"
post_date_format_short = "%d %b %Y"
post_auto_excerpt = 1
post_show_prev_next = True
fontawesome_included = True  # the theme ships Font Awesome; also keeps no-change rebuilds incremental

# -- Feeds (blogext.outputs.feeds; see docs/feeds-and-search.md) -------------------------------------
blogext_timezone = "Europe/London"  # posts' dates and times are London times
blogext_feed_tag_authority = "shrutiturner.github.io"  # entry ids: tag:shrutiturner.github.io,2023:<docname>
blogext_feed_tag_date = "2023"  # never change these two: feed readers know posts by their ids
blogext_feed_site_length = 20  # the newest 20 posts; tag, category and other archive feeds list all

# -- Reading time -------------------------------------------------------------------
blogext_words_per_minute = 230

# -- HTML theme -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "Shruti Turner"
html_show_sourcelink = False
html_use_index = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "navbar_start": ["navbar-logo"],
    "navbar_center": ["blog-nav.html"],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "navbar_persistent": ["blog-search-button.html"],  # blogext.outputs.search's dialog, not the theme's
    "disable_search": True,  # no theme search dialog: Sphinx's search is replaced by Pagefind
    # A post's sidebar is its outline; what to read next is at its end (related posts, previous/next).
    "secondary_sidebar_items": {"posts/**": ["page-toc"]},
    "article_header_start": [],
    "primary_sidebar_end": [],  # no ad slot (the theme reserves one for Read the Docs' ads)
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
    "footer_start": ["copyright"],
    "footer_center": [],
    "footer_end": ["subscribe.html"],
    "show_prev_next": False,
    "navigation_with_keys": False,
    # Templates that always draw something: the theme need not render each of them an extra time
    # on every page to find out whether it is empty (the last two are the theme's default list).
    "templates_skip_empty_check": [
        "navbar-logo.html",
        "blog-nav.html",
        "theme-switcher.html",
        "blog-search-button.html",
        "copyright.html",
        "sidebar-nav-bs.html",
        "navbar-nav.html",
    ],
}
html_sidebars = {
    "index": [],
    "about": [],
    "blog": [],
    "blog/**": [],
    "posts/**": [],
    "series": [],
    "series/**": [],
    "search": [],
}

# -- Look, findability and sharing (blogext.pages.cards, blogext.outputs.findability) --------------
html_css_files = ["blog.css"]
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says, until they choose
html_favicon = "_static/favicon.svg"
blogext_author_bios = {
    "shruti": "Machine-learning engineer. I studied aerospace and then biomedical engineering, "
    "where I did my PhD, and I write here about my journey in ML Engineering.",
}
ogp_image = "_static/social-card.png"  # the default link-preview image, 1200 x 630
ogp_image_alt = "Shruti Turner: notes from a machine-learning engineer"
ogp_social_cards = {"enable": False}
ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary_large_image" />']
# Posts get their own share card (blogext.outputs.sharecards): drawn, or share_image in the front matter.
notfound_template = "404.html"

# -- Search (blogext.outputs.search; see docs/feeds-and-search.md) -----------------------------------
blogext_search_placeholder = "Search the blog"
blogext_search_results = 10  # results shown at first, and added by "More results"
notfound_context = {"title": "Page not found"}

# -- Comments on request (blogext.pages.comments; see docs/series-and-sharing.md) ---------------------
# Off. To switch them on: install the giscus app on the repository, enable its Discussions, copy
# the ids https://giscus.app gives into blogext_giscus, add "giscus.app" to blogext_allowed_hosts, set
# blogext_comments = True, and write "comments: true" in the front matter of each post that wants them.
blogext_comments = False
blogext_giscus = {
    "repo": "shrutiturner/shrutiturner.github.io",
    "repo_id": "",
    "category": "Comments",
    "category_id": "",
}

# -- Related posts (blogext.pages.related) ---------------------------------------------------
blogext_related_posts = 3  # at the end of each post: the posts sharing most tags, then its category
