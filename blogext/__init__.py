"""Local Sphinx extensions for the blog, one module per feature.

Each module is a Sphinx extension of its own, switched on in ``conf.py`` by its
dotted name (for example ``"blogext.postmeta"``):

- :mod:`blogext.siteurl`: the URL a build is served at (Read the Docs, a custom domain,
  a GitHub Pages user or project site) and the canonical URL its links and feeds name.
- :mod:`blogext.hosting`: what hosts need in the output folder (``robots.txt`` at a
  host's root only, ``.nojekyll``, ``CNAME``) and nothing they must not get: the
  doctree folder kept out of it, nothing of unpublished posts, no leftover file.
- :mod:`blogext.postmeta`: the header under a post's title (date, reading time,
  category, tags).
- :mod:`blogext.frontmatter`: every post checked before the build reads it (one
  clear error per problem), and tags that differ only in case or punctuation merged.
- :mod:`blogext.drafts`: drafts and scheduled posts, left out of the published site
  and shown with a banner in the preview (``nox -s serve``).
- :mod:`blogext.newpost`: ``nox -s new -- "Post title"``, a new post as a draft.
- :mod:`blogext.feeds`: the Atom feeds (site, tags, categories, authors, years, and
  whatever ``blog-collect-feeds`` handlers add, such as series), in place of ABlog's.
- :mod:`blogext.series`: tutorial series: the series box and previous/next links
  on every part, a page per series, the list of series and a feed per series.
- :mod:`blogext.sessions`: checked shell sessions: the test suite runs the
  tutorials' console blocks against real Git; on the site, their markers are hidden.
- :mod:`blogext.parallel`: ``sphinx-build -j N`` with ABlog (its posts merged after
  parallel reading).
- :mod:`blogext.freshness`: incremental builds rewrite the pages whose post lists,
  recent posts or previous/next links changed, so they match a clean build.
- :mod:`blogext.archives`: ABlog's archive pages, rewritten only when what they
  show has changed (fingerprints kept in the doctree folder).
- :mod:`blogext.cards`: post and series cards (``postcards``, ``seriescards``, and
  ``post_cards()`` for the archive templates), and the author card's data.
- :mod:`blogext.findability`: meta descriptions, Open Graph for every page,
  the 404 page at ``/404.html``, and the base URL handed to
  sphinxext-opengraph and sphinx-notfound-page.
- :mod:`blogext.lightpages`: no search scripts outside the search page, and
  sphinx-copybutton's scripts deferred.
- :mod:`blogext.leanenv`: the build environment without ABlog's second copy of
  every post's doctree (smaller, faster to load, less memory).
- :mod:`blogext.templatecache`: compiled page templates kept between builds, so a
  rebuild does not compile the theme's templates again.
"""
