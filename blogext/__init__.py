"""Local Sphinx extensions for the blog, one module per feature.

Each module is a Sphinx extension of its own, switched on in ``conf.py`` by its
dotted name (for example ``"blogext.postmeta"``). The architecture page,
``docs/architecture.md``, draws the map; in short:

- :mod:`blogext.posts`: the post model. Which posts exist, which are published
  (drafts, scheduling and "today" are decided there, once), and what other
  pages show of them (title, date, tags, excerpt, reading time).
- :mod:`blogext.ablogadapter`: the one door to ABlog. The only module that imports
  ``ablog``: it tells ABlog which posts are published, reads its grouping back,
  makes it parallel-safe and keeps its environment lean.
- :mod:`blogext.frontmatter`: every post checked before the build reads it (one
  clear error per problem), and tags that differ only in case or punctuation merged.
- :mod:`blogext.notebooks`: Jupyter notebooks (``.ipynb``) and MyST-NB text notebooks
  as posts, through myst-nb: stored outputs by default, cached execution on request,
  errors and off-site outputs refused, myst-nb's folders kept in the doctree folder.
- :mod:`blogext.drafts`: drafts and scheduled posts left out of the published site,
  and shown with a banner in the preview (``nox -s serve``).
- :mod:`blogext.siteurl`: the URL a build is served at (Read the Docs, a custom domain,
  a GitHub Pages user or project site) and the canonical URL its links and feeds name.
- :mod:`blogext.hosting`: what hosts need in the output folder (``robots.txt`` at a
  host's root only, ``.nojekyll``, ``CNAME``) and nothing they must not get: the
  doctree folder kept out of it, nothing of unpublished posts, no leftover file.
- :mod:`blogext.postmeta`: the header under a post's title (date, reading time,
  category, tags).
- :mod:`blogext.cards`: post and series cards (``postcards``, ``seriescards``, and
  ``post_cards()`` for the archive templates), and the author card's data.
- :mod:`blogext.series`: tutorial series: the series box and previous/next links
  on every part, a page per series, the list of series and a feed per series.
- :mod:`blogext.archives`: ABlog's archive pages, rewritten only when what they
  show has changed (fingerprints kept in the doctree folder).
- :mod:`blogext.feeds`: the Atom feeds (site, tags, categories, authors, years, and
  whatever ``blog-collect-feeds`` handlers add, such as series), in place of ABlog's.
- :mod:`blogext.freshness`: incremental builds rewrite the pages whose post lists,
  recent posts or previous/next links changed, so they match a clean build.
- :mod:`blogext.findability`: meta descriptions, Open Graph for every page,
  the 404 page at ``/404.html``, and the base URL handed to
  sphinxext-opengraph and sphinx-notfound-page.
- :mod:`blogext.sitemap`: ``sitemap.xml`` of every published page.
- :mod:`blogext.markuphints`: an unknown directive or role that a well-known package
  provides (sphinx-design, sphinxcontrib-bibtex, myst-nb...) names the package to add.
- :mod:`blogext.postlists`: ``{postlist}`` filters (tags, categories, authors) matched
  loosely, like tags everywhere, and a filter that names nothing is an error.
- :mod:`blogext.lightpages`: none of Sphinx's search helpers on any page, and
  sphinx-copybutton's scripts deferred.
- :mod:`blogext.search`: search as you type, in a dialog on every page and on
  ``/search/``, over a Pagefind index of the published pages made at the end of
  every build (Sphinx's own search index and scripts left out).
- :mod:`blogext.sessions`: checked shell sessions: the test suite runs the
  tutorials' console blocks against real Git; on the site, their markers are hidden.
- :mod:`blogext.templatecache`: compiled page templates kept between builds.
- :mod:`blogext.math`: math (``$x$``, ``$$``, ``amsmath``, ``{math}``) drawn by KaTeX at build
  time (numbers, labels and ``multline`` by :mod:`blogext.mathtex`): no script for readers, its
  CSS and fonts only on pages with math, MathML for screen readers and feeds.
- :mod:`blogext.diagrams`: mermaid diagrams, drawn by a copy of mermaid the site
  serves, loaded only on pages that have one.
- :mod:`blogext.layout`: sphinx-design's components, styled like the blog, its files
  only on pages that use them.
- :mod:`blogext.citations`: ``{cite}`` and a bibliography per post, from ``.bib``
  files next to the posts (sphinxcontrib-bibtex).
- :mod:`blogext.codeblocks`: notebook-style Python highlighted as IPython; unknown
  code-block languages reported.
- :mod:`blogext.offsite`: no page loads anything from another host unless
  ``blog_allowed_hosts`` lists it.
- :mod:`blogext.newpost`: ``nox -s new -- "Post title"``, a new post as a draft.
- :mod:`blogext.related`: related posts at the end of each post (shared tags, then
  category, then date; never the post's series or a draft), declared to ``shown``.
- :mod:`blogext.sharecards`: a share card per post (Pillow, cached by digest) as its
  ``og:image`` and ``twitter:image``, or the post's own ``share_image``.
- :mod:`blogext.structured`: JSON-LD ``BlogPosting`` and ``BreadcrumbList`` on posts.
- :mod:`blogext.comments`: giscus comments on request, loaded only on a click.
- :mod:`blogext.printing`: the print stylesheet, and links' absolute URLs for it.
- :mod:`blogext.quiet`: lines other packages print that are untrue of the site silenced at
  their source (sphinxext-opengraph's matplotlib notice, the parsers' whole configuration).
- :mod:`blogext.rebuildwarned`: a failed build stays failed until its cause is fixed: a document
  that warned is read again by the next build, so its warnings come back.

Not extensions: :mod:`blogext.errors` (how a build stops on bad input) and
:mod:`blogext.nodeutil` (helpers on docutils nodes).

**Listener priorities.** Sphinx calls an event's listeners in priority order
(default 500, lower first). Every listener of the blog that needs another
priority takes it from here, with the reason:
"""

#: config-inited: the doctree folder is moved out of the output folder before anything reads it.
MOVE_DOCTREES = 10
#: config-inited: the documents that warned last time are known, once the doctree folder is settled and
#: before the environment is loaded (which is not, after a warning that named no document).
WARNED_DOCUMENTS = 20
#: config-inited: the base URL is settled before anything reads it.
SITE_URL = 100
#: config-inited: the settled base URL is handed to sphinxext-opengraph and sphinx-notfound-page.
FINDABILITY_URLS = 150
#: config-inited: the 404 page's URL prefix is set from the served URL, after blogext.findability.
NOTFOUND_PREFIX = 200
#: config-inited: ``blog_timezone`` and the feed settings are checked before the post model reads them.
FEED_SETTINGS = 300
#: config-inited: every post's front matter is checked before anything else reads the posts.
FRONT_MATTER = 400
#: config-inited: executed notebooks name an installed kernel, checked after the front matter.
NOTEBOOK_KERNELS = 420
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
#: config-inited: the .bib files blogext.citations (500) found are checked to be inside the source folder.
BIB_FILES = 600
#: doctree-read: local files are checked before Sphinx's collectors (500) copy them (blogext.localfiles).
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
#: doctree-resolved: the series box goes under the post header that blogext.postmeta adds (500).
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
#: blogext.findability (PAGE_META) makes, before sphinxext-opengraph (500) writes og:image from them.
SHARE_CARD = 460
#: html-page-context: the JSON-LD uses the meta description, which blogext.findability (PAGE_META) settles.
STRUCTURED_DATA = 470
#: html-page-context: the series' own previous/next replace ABlog's, after ABlog (500) sets them.
SERIES_NAVIGATION = 600
#: html-page-context: links to posts carry their previews' data, after the feeds (FEED_LINKS) read the body.
PREVIEW_DATA = 520
#: html-page-context: scripts are lightened after every extension has added its own.
LIGHT_PAGES = 900
#: html-collect-pages: Pagefind starts on the documents' pages, all written by now, before the
#: extensions' pages are made, so it runs beside them (blogext.search).
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
