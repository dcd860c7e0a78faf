"""The blog's own Sphinx extensions and their helpers, one module per feature.

The map of the modules (what each owns, which are extensions, the data flow, the private APIs still
used) is one page: ``docs/architecture.md``. This file holds what the modules share:

**Listener priorities.** Sphinx calls an event's listeners in priority order
(default 500, lower first). Every listener of the blog that needs another
priority takes it from here, with the reason:
"""

#: config-inited: every setting of the blog is checked, and conf.py's names, before any listener reads them.
SETTINGS = 5
#: config-inited: the doctree folder is moved out of the output folder before anything reads it.
MOVE_DOCTREES = 10
#: config-inited: the documents that warned last time are known, once the doctree folder is settled and
#: before the environment is loaded (which is not, after a warning that named no document).
WARNED_DOCUMENTS = 20
#: config-inited: the base URL is settled before anything reads it.
SITE_URL = 100
#: config-inited: the settled base URL is handed to sphinxext-opengraph and sphinx-notfound-page.
FINDABILITY_URLS = 150
#: config-inited: the 404 page's URL prefix is set from the served URL, after blogext.outputs.findability.
NOTFOUND_PREFIX = 200
#: config-inited: the feed settings' forms are checked before the post model reads them.
FEED_SETTINGS = 300
#: config-inited: every post's front matter is checked before anything else reads the posts.
FRONT_MATTER = 400
#: config-inited: the post model decides "today", drafts and scheduled posts.
POST_DECISIONS = 440
#: config-inited: unpublished posts are excluded from the published build (after the decision).
EXCLUDE_UNPUBLISHED = 450
#: doctree-read: notebook outputs are sanitized before anything (Sphinx's image collector, 500) reads them.
NOTEBOOK_OUTPUTS = 300
#: doctree-read: a notebook's interactive figures take their stand-in pictures before outputs are sanitized.
INTERACTIVE_FIGURES = 290
#: doctree-read: equations are numbered and keyed, and a title with math goes to ABlog as text (symbols,
#: not TeX), before ABlog (500) and the toctree collector (500) copy titles and excerpts.
MATH_TITLES = 400
#: config-inited: Python's collector is set for the build once every other listener has passed (a build
#: stopped by a bad setting or post leaves it as it was); builder-inited: the environment is set aside
#: once every other listener has passed (blogext.core.collector).
COLLECTOR = 990
#: config-inited: the .bib files blogext.markup.citations (500) found are checked to be inside the source
#: folder.
BIB_FILES = 600
#: doctree-read: local files are checked before Sphinx's collectors (500) copy them
#: (blogext.markup.localfiles).
LOCAL_FILES = 450
#: builder-inited: myst-nb's folders are moved into the doctree folder after myst-nb (500) has set them.
NOTEBOOK_FOLDERS = 600
#: builder-inited: stand-ins for well-known packages' directives, after extensions have added their own;
#: config-inited: the same for prefixed names (``prf:ref``), as domains, after other listeners' domains.
MARKUP_HINTS = 900
#: doctree-read: a draft page is made an orphan in the preview after Sphinx (500) notes its metadata.
DRAFT_PAGE_ORPHAN = 600
#: doctree-read: ABlog's copy of the post is slimmed after ABlog (500) has made it,
SLIM_ABLOG_COPY = 700
#: doctree-read: then the post model notes what lists can show of the post (its excerpt among it).
POST_READ = 710
#: env-updated: the posts are registered with ABlog before any other listener asks ABlog about them.
REGISTER_POSTS = 100
#: doctree-resolved: postlist filters take the canonical tag names before the cards and ABlog select posts.
POSTLIST_FILTERS = 300
#: doctree-resolved: cards replace ``postcards`` nodes before ABlog (500) renders them as a plain list.
CARDS = 400
#: doctree-resolved: raw HTML points at its copied files, after ABlog (500) has added posts' excerpts.
LOCAL_FILE_COPIES = 800
#: doctree-resolved: the series box goes under the post header that blogext.pages.postmeta adds (500).
SERIES_BOX = 600
#: html-page-context: the canonical URL is in the context before any feature or template reads it.
CANONICAL_LINKS = 100
#: html-page-context: an archive page's title (a tag or category name) is escaped as HTML, as Sphinx gives
#: documents' titles, before any feature or template reads it.
ARCHIVE_TITLES = 120
#: html-page-context: the feeds' links are in the context before the theme (500) renders the footer.
FEED_LINKS = 450
#: html-page-context: the meta description is set before sphinxext-opengraph (500) looks for one.
PAGE_META = 450
#: html-page-context: a post's share card goes into the page's own copy of its meta fields, which
#: blogext.outputs.findability (PAGE_META) makes, before sphinxext-opengraph (500) writes og:image from them.
SHARE_CARD = 460
#: html-page-context: the JSON-LD uses the meta description, which blogext.outputs.findability (PAGE_META)
#: settles.
STRUCTURED_DATA = 470
#: html-page-context: the series' own previous/next replace ABlog's, after ABlog (500) sets them.
SERIES_NAVIGATION = 600
#: html-page-context: links to posts carry their previews' data, after the feeds (FEED_LINKS) read the body.
PREVIEW_DATA = 520
#: html-page-context: scripts are lightened after every extension has added its own.
LIGHT_PAGES = 900
#: html-collect-pages: the off-site check starts reading the documents' pages beside the build, before
#: any thread is started (blogext.core.beside forks), before Pagefind's.
OFFSITE_EARLY = 50
#: html-collect-pages: Pagefind starts on the documents' pages, all written by now, before the
#: extensions' pages are made, so it runs beside them (blogext.outputs.searchindex).
SEARCH_EARLY = 100
#: build-finished: pages of removed documents are deleted first,
REMOVE_PAGES = 300
#: build-finished: then archive pages that are no longer generated,
REMOVE_ARCHIVES = 350
#: build-finished: then files that no published page uses any more are swept out,
SWEEP_OUTPUT = 900
#: build-finished: then Pagefind indexes the published pages as they are now,
SEARCH_INDEX = 920
#: build-finished: and the sitemap lists what is left, last of all.
SITEMAP = 950
#: env-before-read-docs: the documents that warned last time join the list, after others change it;
#: build-finished: and the list is saved after every listener that may warn (blogext.core.rebuildwarned).
WARNED_LAST = 999
#: html-collect-pages, build-finished: the preview reports the pages written, and the build's end,
#: before anything else runs at those events (blogcli.preview_build).
PREVIEW_REPORT = 1
