# The smallest site the off-site check and the Content-Security-Policy run on: plain pages, the
# basic theme, one post with what a page may load (tests/test_offsite.py adds the bad ones).
project = "Off-site test site"
extensions = ["myst_parser", "blogext.outputs.offsite", "blogext.outputs.csp"]
html_theme = "basic"
html_baseurl = "https://offsite.example.org/"
blogext_allowed_hosts = ["www.youtube-nocookie.com"]
exclude_patterns = ["_build"]
