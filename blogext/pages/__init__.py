"""What the site's pages show: the post header, cards, series, archives and their listings, related
posts, "read next", breadcrumbs, share links, comments, print and light pages. It builds on
:mod:`blogext.core` and :mod:`blogext.markup` (and declares the series' feeds to
:mod:`blogext.outputs.feeds`)."""
