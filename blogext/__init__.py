"""Local Sphinx extensions for the blog, one module per feature.

Each module is a Sphinx extension of its own, switched on in ``conf.py`` by its
dotted name (for example ``"blogext.postmeta"``):

- :mod:`blogext.siteurl`: the published base URL, taken from the environment.
- :mod:`blogext.postmeta`: the header under a post's title (date, reading time,
  category, tags).
- :mod:`blogext.sessions`: checked shell sessions: the test suite runs the
  tutorials' console blocks against real Git; on the site, their markers are hidden.
"""
