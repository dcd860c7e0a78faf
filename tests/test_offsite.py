"""The off-site check (blogext.outputs.offsite) and the Content-Security-Policy (blogext.outputs.csp), by
real builds.

tests/roots/test-offsite is the smallest site both run on. The bypass variants
(tests/offsite_variants.py, from public cheat sheets) are each checked twice: by the
checker on a page, and by one strict build of a site with one post per variant, which
must fail naming that post, its line and the host. The policy is read back from every
page of the built sites: where it is, what it allows, and that its hashes are exactly
the page's own inline scripts.
"""

from __future__ import annotations

import base64
import gettext
import hashlib
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import sphinx
from conftest import REPO, ROOTS, assert_clean, copy_site, run_sphinx
from offsite_variants import VARIANTS
from selectolax.lexbor import LexborHTMLParser

from blogext.outputs import csp, offsite_reader

PAGE_URL = "https://offsite.example.org/posts/v/index.html"
#: A post with a snippet of raw HTML on line 6, in an HTML block (Markdown leaves its lines as they are).
POST = "# A post\n\nBefore.\n\n<div>\n{}\n</div>\n\nAfter.\n"


def page_with(snippet: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head>'
        f"<body><p>Before.</p>\n{snippet}\n<p>After.</p></body></html>"
    )


def matches(finding: offsite_reader.Finding, problem: str, text: str) -> bool:
    return finding.problem == problem and any(
        text in part for part in (finding.host, finding.url, finding.value)
    )


def policy_of(html: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy, directive -> sources."""
    meta = LexborHTMLParser(html).css_first('meta[http-equiv="Content-Security-Policy"]')
    assert meta is not None, "no Content-Security-Policy"
    out = {}
    for directive in meta.attributes["content"].split(";"):
        name, *sources = directive.split()
        out[name] = sources
    return out


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# -- The checker, page by page -------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_bypass_variant_is_found_by_the_checker(variant):
    snippet, problem, text = VARIANTS[variant]
    found = offsite_reader.findings(page_with(snippet), PAGE_URL, {"www.youtube-nocookie.com"})
    assert any(matches(f, problem, text) for f in found), found


def test_links_data_images_own_files_and_allowed_hosts_are_fine():
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><script>var a = 1;</script>'
        '<link rel="canonical" href="https://elsewhere.example/">'
        '<link rel="alternate" href="//feeds.example/f">'
        '<link rel="icon" href="data:image/png;base64,AA"></head><body>'
        '<a href="https://elsewhere.example/">a</a><a href="mailto:a@b.example">m</a>'
        '<img src="data:image/png;base64,AAAA" alt=""><img src="https://offsite.example.org/own.png" alt="">'
        '<img src="../x.png" srcset="a.png 1x, data:image/png;base64,AA 2x" alt="">'
        '<iframe src="https://www.youtube-nocookie.com/embed/x" title="v"></iframe>'
        '<p style="color:red; background:url(x.png)">t</p>'
        '<script type="application/ld+json">{"a": 1}</script>'
        "<p>Text that says on = 1, onerror= and javascript:alert(1).</p></body></html>"
    )
    assert offsite_reader.findings(page, PAGE_URL, {"www.youtube-nocookie.com"}) == []


def test_frames_of_the_site_itself_and_objects_are_reported_as_blocked_by_the_policy():
    snippet = '<iframe src="/demo.html" title="d"></iframe><object data="d.svg"></object>'
    found = offsite_reader.findings(page_with(snippet), PAGE_URL, set())
    assert [(f.problem, f.what) for f in found] == [("frame", "<iframe src>"), ("frame", "<object data>")]


def test_srcset_is_split_as_browsers_split_it():
    assert offsite_reader.srcset_urls("a.png 1x, b.png 2x") == ["a.png", "b.png"]
    assert offsite_reader.srcset_urls("data:image/png,a,b 1x,//e.example/c 2x") == [
        "data:image/png,a,b",
        "//e.example/c",
    ]
    assert offsite_reader.srcset_urls("a.png,b.png") == ["a.png,b.png"]
    assert offsite_reader.srcset_urls("a.png, , b.png (x, y) 1x, c.png") == ["a.png", "b.png", "c.png"]


@pytest.mark.parametrize(
    ("content", "url"),
    [("0; url=/x", "/x"), ("5;URL='//e.example/'", "//e.example/"), ("3", None), ('0, url = "a b" c', "a b")],
)
def test_refresh_url_is_read_as_browsers_read_it(content, url):
    assert offsite_reader.refresh_url(content) == url


def test_own_inline_scripts_are_those_of_the_head_and_of_the_templates():
    tree = LexborHTMLParser(
        "<html><head><script>head()</script><script type='application/ld+json'>{}</script></head>"
        "<body><script>theme()</script><script>post()</script><script src='a.js'>x()</script></body></html>",
        scripting=True,
    )
    assert offsite_reader.own_inline_scripts(tree, {"theme()"}) == ["head()", "theme()"]


# -- The checker, in a build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variants_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("variants")
    shutil.copytree(ROOTS / "test-offsite", work / "src")
    for name, (snippet, _problem, _text) in VARIANTS.items():
        (work / "src" / "posts" / f"{name}.md").write_text(POST.format(snippet), "utf-8")
    return run_sphinx(work / "src", work / "html")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_bypass_variant_fails_the_build_naming_the_post_and_line(variants_build, variant):
    _snippet, problem, text = VARIANTS[variant]
    assert variants_build.returncode != 0
    expected = {"offsite": "blogext_allowed_hosts", "active": "active content", "data": "data: URL",
                "base": "<base", "frame": "Content-Security-Policy"}[problem]  # fmt: skip
    lines = [w for w in variants_build.warnings if f"posts/{variant}.md:6:" in w and "[blog.offsite]" in w]
    assert any(expected in line for line in lines), "\n".join(lines) or "no warning for the post"
    if problem == "offsite":
        assert any(text in line for line in lines)


def test_a_clean_page_passes_and_each_bad_one_is_named_once_per_finding(variants_build):
    assert not any("posts/fine.md" in w for w in variants_build.warnings)
    assert not any("index" in w.split(":")[0] for w in variants_build.warnings)


def test_bad_allowed_host_stops_the_build(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-offsite", src)
    with (src / "conf.py").open("a") as conf:
        conf.write("\nblogext_allowed_hosts = ['https://cdn.example.com/x']\n")
    built = run_sphinx(src, tmp_path / "html")
    assert built.returncode != 0
    assert "blogext_allowed_hosts: expected a list of host names" in built.stderr


# -- The Content-Security-Policy -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    work = tmp_path_factory.mktemp("clean")
    shutil.copytree(ROOTS / "test-offsite", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def pages(site) -> list:
    return [p for p in sorted(site.outdir.rglob("*.html")) if "_static" not in p.parts]


def test_every_page_has_the_policy_right_after_its_charset_before_any_script(clean):
    assert len(pages(clean)) >= 3
    for path in pages(clean):
        text = path.read_text("utf-8")
        head = text[: text.index("</head>")]
        charset = re.search(r"<meta charset=[^>]*>\s*", head)
        assert head[charset.end() :].startswith('<meta http-equiv="Content-Security-Policy"'), path
        assert text.count("Content-Security-Policy") == 1, path


#: The templates of Sphinx's themes: a script written out in one is the theme's (the search box's, in <body>).
THEME_TEMPLATES = "".join(
    p.read_text("utf-8") for p in (Path(sphinx.__file__).parent / "themes").rglob("*.html")
)


def test_policy_hashes_exactly_the_pages_own_inline_scripts_and_allows_no_other_inline_script(clean):
    hashed = 0
    for path in pages(clean):
        text = path.read_text("utf-8")
        policy = policy_of(text)
        tree = LexborHTMLParser(text, scripting=True)
        own = [s.text() for s in tree.css("script:not([src])") if offsite_reader.is_executable(s)
               and (s.parent.tag == "head" or s.text() in THEME_TEMPLATES)]  # fmt: skip
        hashed += bool(own)
        hashes = [s for s in policy["script-src"] if s.startswith("'sha256-")]
        assert hashes == list(dict.fromkeys(sha256(t) for t in own)), path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert hashed >= 3


def test_policy_allows_the_site_and_allowed_hosts_and_nothing_else(clean):
    policy = policy_of(clean.path("posts/fine/").read_text("utf-8"))
    hosts = ["offsite.example.org", "www.youtube-nocookie.com"]
    assert policy["default-src"] == ["'self'", *hosts]
    assert policy["script-src"][:4] == ["'self'", *hosts, "'wasm-unsafe-eval'"]
    assert policy["style-src"] == ["'self'", *hosts, "'unsafe-inline'"]
    assert policy["img-src"] == ["'self'", *hosts, "data:"]
    assert policy["frame-src"] == ["www.youtube-nocookie.com"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["worker-src"] == ["'self'"]
    assert "*" not in str(policy) and "https:" not in policy["default-src"]


def test_a_posts_inline_script_is_not_hashed_and_fails_the_build(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-offsite", src)
    (src / "posts" / "script.md").write_text(POST.format("<script>steal()</script>"), "utf-8")
    built = run_sphinx(src, tmp_path / "html")
    assert any("posts/script.md:6:" in w and "steal()" in w for w in built.warnings), built.warnings
    policy = policy_of(built.path("posts/script/").read_text("utf-8"))
    assert sha256("steal()") not in policy["script-src"]


def test_preview_pages_allow_inline_scripts_for_its_reload_script(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-offsite", src)
    built = assert_clean(run_sphinx(src, tmp_path / "html", env={"BLOG_PREVIEW": "1"}))
    policy = policy_of(built.path("posts/fine/").read_text("utf-8"))
    assert "'unsafe-inline'" in policy["script-src"]
    assert not any(s.startswith("'sha256-") for s in policy["script-src"])  # they would void 'unsafe-inline'


def test_a_template_bridge_of_the_projects_own_is_refused(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-offsite", src)
    with (src / "conf.py").open("a") as conf:
        conf.write("\ntemplate_bridge = 'sphinx.jinja2glue.BuiltinTemplateLoader'\n")
    built = run_sphinx(src, tmp_path / "html")
    assert (
        built.returncode != 0 and "template_bridge" in built.stderr and "blogext.outputs.csp" in built.stderr
    )


def test_meta_tag_escapes_its_text():
    # What blogext.core.safehtml reads of an application: the folders of its templates, its translations.
    app = SimpleNamespace(
        confdir=str(REPO), config=SimpleNamespace(templates_path=[]), translator=gettext.NullTranslations()
    )
    assert csp.meta_tag(app, "a 'b' \"c\" <d> & e") == (
        '<meta http-equiv="Content-Security-Policy" '
        'content="a &#x27;b&#x27; &quot;c&quot; &lt;d&gt; &amp; e" />'
    )


COMMENTS = """
blogext_allowed_hosts = ["giscus.app"]
blogext_comments = True
blogext_giscus = {"repo": "owner/blog", "repo_id": "R_1", "category": "Comments", "category_id": "DIC_1"}
"""


def test_giscus_is_allowed_only_on_the_pages_that_show_comments(tmp_path):
    src = copy_site(tmp_path / "src")
    with (src / "conf.py").open("a") as conf:
        conf.write(COMMENTS)
    post = src / "posts" / "2023" / "what-a-git.md"
    post.write_text(post.read_text("utf-8").replace("---\n", "---\ncomments: true\n", 1), "utf-8")
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    with_comments = policy_of(built.path("posts/2023/what-a-git/").read_text("utf-8"))
    assert "giscus.app" in with_comments["script-src"] and with_comments["frame-src"] == ["giscus.app"]
    for path in ("posts/2023/getting-started-with-git/", "", "blog/tag/git/"):
        policy = policy_of(built.path(path).read_text("utf-8"))
        assert "giscus.app" not in str(policy) and policy["frame-src"] == ["'none'"], path


def test_real_site_pages_all_carry_the_policy(site):
    for path in pages(site):
        policy = policy_of(path.read_text("utf-8"))
        assert "'wasm-unsafe-eval'" in policy["script-src"], path  # Pagefind's search
    assert REPO.joinpath("blogext", "outputs", "csp.py").is_file()
