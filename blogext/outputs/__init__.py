"""What the build writes beside the pages, and what it checks in them once written: feeds, sitemap,
meta tags and JSON-LD, share cards, search, hosting files, the off-site check and the
Content-Security-Policy."""
