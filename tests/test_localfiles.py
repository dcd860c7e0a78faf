"""Nothing outside the site folder, nothing missing (blogext.markup.localfiles).

``tests/roots/test-localfiles`` has one post naming local files every way a post can
(Markdown, standalone and nested raw HTML, ``<picture>``, ``<video>``, ``<audio>``,
``<track>``, ``{figure}``, ``{download}``, ``{include}``, ``{literalinclude}``). The
attacks are posts added to a copy, each at line 7, with symlinks and hidden files
planted in the copy's source folder; they are built together, so each must be reported
on its own, naming its file, line and path, and nothing of them may reach the output.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import ATOM, REPO, ROOTS, BuiltSite, assert_clean, feed_entries, run_sphinx
from selectolax.lexbor import LexborHTMLParser

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from blogext.markup.localfiles import Refused, check_path, pointed_at_copies, resource_urls, url_path  # noqa: E402

POST = "posts/2024/media-post/"
SECRET = "DOTENVSECRET5521"
PASSWD_FIRST_LINE = Path("/etc/passwd").read_text().splitlines()[0]
# Enough levels to reach the root from wherever the test site lives (a path that climbs past the
# root stays there, as browsers and the OS read it): an escape to a file that exists.
ESCAPE = "../" * 40 + "etc/passwd"
OUTSIDE = "outside the source folder"
MISSING = "no such file"

#: name: (line 7 of the post, the path the message names, what the message says)
ATTACKS = {
    "raw-img-standalone": (f'<img src="{ESCAPE}">', ESCAPE, OUTSIDE),
    "raw-img-in-div": (f'<div><img src="{ESCAPE}"></div>', ESCAPE, OUTSIDE),
    "raw-img-root-absolute": ('<div><img src="/etc/passwd"></div>', "/etc/passwd", MISSING),
    "markdown-image-escape": (f"![x]({ESCAPE})", ESCAPE, OUTSIDE),
    "image-directive-escape": (f"```{{image}} {ESCAPE}\n```", ESCAPE, OUTSIDE),
    "figure-missing": ("```{figure} nothere.png\nA caption.\n```", "nothere.png", MISSING),
    "download-escape": (f"Get {{download}}`this <{ESCAPE}>`.", ESCAPE, OUTSIDE),
    "literalinclude-absolute": ("```{literalinclude} /etc/hostname\n```", "/etc/hostname", MISSING),
    "literalinclude-escape": (
        "```{literalinclude} ../../../../../../etc/hostname\n```",
        "../../../../../../etc/hostname",
        OUTSIDE,
    ),
    "literalinclude-diff-escape": (
        f"```{{literalinclude}} ../../snippets/answer.py\n:diff: {ESCAPE}\n```",
        ESCAPE,
        OUTSIDE,
    ),
    "include-escape": (f"```{{include}} {ESCAPE}\n```", ESCAPE, OUTSIDE),
    "percent-encoded-raw": (
        '<div><img src="%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"></div>',
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        OUTSIDE,
    ),
    "percent-encoded-markdown": (
        "![x](%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd)",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        MISSING,
    ),
    "percent-encoded-slash": (
        '<div><img src="..%2f..%2f..%2f..%2f..%2fetc/passwd"></div>',
        "..%2f..%2f..%2f..%2f..%2fetc/passwd",
        OUTSIDE,
    ),
    "backslash-raw": (
        '<div><img src="..\\..\\..\\..\\..\\..\\etc\\passwd"></div>',
        "..\\\\..\\\\",
        "backslash",
    ),
    "backslash-literalinclude": (
        "```{literalinclude} ..\\..\\snippets\\answer.py\n```",
        "..\\\\..\\\\snippets",
        "backslash",
    ),
    "file-url": ('<div><img src="file:///etc/passwd"></div>', "file:///etc/passwd", "file: URL"),
    "symlink-markdown-image": ("![x](leak.png)", "leak.png", "a link to /etc/passwd"),
    "symlink-raw-img": ('<div><img src="leak.png"></div>', "leak.png", "a link to /etc/passwd"),
    "symlink-download": ("Get {download}`this <leak.png>`.", "leak.png", "a link to /etc/passwd"),
    "symlink-literalinclude": ("```{literalinclude} leak.png\n```", "leak.png", "a link to /etc/passwd"),
    "symlink-include": ("```{include} leak.txt\n```", "leak.txt", OUTSIDE),
    "symlinked-folder": (
        '<p><video src="outside/passwd"></video></p>',
        "outside/passwd",
        "a link to /etc/passwd",
    ),
    "hidden-file-raw": ('<div><img src="../../.secret.png"></div>', "../../.secret.png", "hidden"),
    "hidden-include": ("```{include} ../../.env\n```", "../../.env", "hidden"),
    "raw-file-option": (f"```{{raw}} html\n:file: {ESCAPE}\n```", ESCAPE, OUTSIDE),
    "csv-table-file-option": (f"```{{csv-table}} Stolen\n:file: {ESCAPE}\n```", ESCAPE, OUTSIDE),
    "missing-raw-in-div": ('<div class="box"><img src="nothere.png"></div>', "nothere.png", MISSING),
    "missing-srcset": (
        '<picture><source srcset="pic.png 1x, missing-2x.png 2x"><img src="pic.png"></picture>',
        "missing-2x.png",
        MISSING,
    ),
    "missing-video-poster": ('<video controls poster="no-poster.png"></video>', "no-poster.png", MISSING),
    "missing-track": (
        '<video controls>\n<track kind="captions" src="media/none.vtt">\n</video>',
        "media/none.vtt",
        MISSING,
    ),
    "missing-audio": ('<p><audio controls src="none.ogg"></audio></p>', "none.ogg", MISSING),
    "missing-download": ("Get {download}`this <none.csv>`.", "none.csv", MISSING),
    "missing-literalinclude": ("```{literalinclude} none.py\n```", "none.py", MISSING),
}
#: The line of the track in "missing-track": the URL's own line, not the block's.
LINES = {"missing-track": 8}


def _post(name: str, body: str) -> str:
    return f"---\ndate: 2024-05-01\n---\n\n# Attack {name}\n\n{body}\n"


def _plant(src: Path) -> None:
    """The attacks: a post each, symlinks out of the source folder, hidden files inside it."""
    posts = src / "posts" / "2024"
    for name, (body, _path, _why) in ATTACKS.items():
        (posts / f"{name}.md").write_text(_post(name, body), "utf-8")
    (posts / "leak.png").symlink_to("/etc/passwd")
    (posts / "leak.txt").symlink_to("/etc/passwd")
    (posts / "leak-doc.md").symlink_to("/etc/passwd")
    (posts / "outside").symlink_to("/etc")
    shutil.copy2(posts / "pic.png", src / ".secret.png")
    (src / ".env").write_text(f"TOKEN={SECRET}\n", "utf-8")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("attacks")
    src = work / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    _plant(src)
    return run_sphinx(src, work / "out")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("good")
    src = work / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    return assert_clean(run_sphinx(src, work / "out"))


def _with_feeds(src: Path) -> None:
    conf = src / "conf.py"
    feeds = (
        '\nextensions.append("blogext.outputs.feeds")\n'
        'blogext_timezone = "Europe/London"\n'
        'blogext_feed_tag_authority = "files.example.org"\n'
        'blogext_feed_tag_date = "2024"\n'
    )
    conf.write_text(conf.read_text("utf-8") + feeds, "utf-8")


# -- the rule, without a build ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc/passwd",
        ".%2e/.%2e/.%2e/.%2e/etc/passwd",
        "..%5c..%5c..%5cetc%5cpasswd",
        "..\\..\\..\\etc\\passwd",
        "/\\evil.example/x.png",
        "media/../../../../../../etc/passwd",
        "./../../../../../etc/passwd#frag",
        "../../../../etc/passwd?x=1",
        " ../../../../etc/passwd ",
        "file:///etc/passwd",
        "FILE:/etc/passwd",
        "pic.png%00.txt",
        "../../.git/config",
        "../../.env",
        "",
    ],
)
def test_raw_html_urls_that_leave_the_folder_or_hide_are_refused(tmp_path, url):
    (tmp_path / "posts" / "2024").mkdir(parents=True)
    (tmp_path / ".env").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    with pytest.raises(Refused):
        found = url_path(url)
        if found is None and url:
            raise AssertionError(f"{url!r} was taken for a URL of another host")
        check_path(found[0] if found else url, tmp_path, "posts/2024")


def test_urls_of_other_hosts_and_inline_data_are_not_local_files():
    for url in ("https://example.org/x.png", "//example.org/x.png", "data:image/png;base64,AAAA", "#top"):
        assert url_path(url) is None


def test_a_path_from_the_source_root_and_one_with_a_fragment_name_the_file(tmp_path):
    (tmp_path / "posts" / "2024").mkdir(parents=True)
    (tmp_path / "posts" / "2024" / "my pic.png").write_bytes(b"x")
    assert url_path("my%20pic.png#x") == ("my pic.png", "#x")
    found = check_path("/posts/2024/my pic.png", tmp_path, "posts/2024")
    assert found == (tmp_path / "posts" / "2024" / "my pic.png").resolve()
    assert check_path("./my pic.png", tmp_path, "posts/2024") == found


def test_resource_urls_are_read_as_a_browser_reads_the_html():
    html = (
        '<DIV><IMG SRC=\'a.png\'><img/src="b.png"><picture><source srcset="c.png 1x,d.png 2x"></picture>'
        '<video poster=e.png><track src="f.vtt"></video><svg><image href="g.png"/></svg>'
        '<!-- <img src="commented.png"> --><script>\'<img src="scripted.png">\'</script>'
        '<img src="a&amp;b.png"></DIV>'
    )
    urls = sorted(url for _what, url in resource_urls(html))
    assert urls == ["a&b.png", "a.png", "b.png", "c.png", "d.png", "e.png", "f.vtt", "g.png"]


def test_only_tags_with_local_files_are_rewritten_and_their_attributes_escaped():
    html = (
        '<div class="x">\n  <IMG SRC=\'a.png\' alt="A &amp; B"\n   data-note="keep">'
        '<img src="https://example.org/y.png"><source srcset="a.png 1x, b.png 2x"><br/></div>'
    )
    moved = pointed_at_copies(html, {"a.png": "../_images/a.png", "b.png": '../_images/b".png'})
    assert moved == (
        '<div class="x">\n  <img src="../_images/a.png" alt="A &amp; B" data-note="keep">'
        '<img src="https://example.org/y.png">'
        '<source srcset="../_images/a.png 1x, ../_images/b&#34;.png 2x"><br/></div>'
    )
    assert pointed_at_copies(html, {}) == html


# -- the attacks, built ------------------------------------------------------------------------------


def test_an_attacked_build_fails(attacked):
    assert attacked.returncode != 0


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_and_missing_file_fails_naming_file_line_and_path(attacked, name):
    _body, path, why = ATTACKS[name]
    where = f"posts/2024/{name}.md:{LINES.get(name, 7)}:"
    lines = [line for line in attacked.warnings if where in line]
    assert len(lines) == 1, "\n".join(attacked.warnings)
    assert "[blog.localfiles]" in lines[0]
    assert repr(path)[1:-1] in lines[0] or path in lines[0], lines[0]
    assert why in lines[0]
    assert "expected" in lines[0]


def test_a_document_that_links_out_of_the_folder_is_not_read(attacked):
    (line,) = [w for w in attacked.warnings if "posts/2024/leak-doc.md" in w]
    assert "[blog.localfiles]" in line and "a link to /etc/passwd" in line


def test_a_document_in_a_folder_that_links_out_of_the_folder_is_not_read(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "stray.md").write_text(_post("stray", "Written outside the site."), "utf-8")
    (src / "posts" / "2024" / "linked").symlink_to(elsewhere)
    built = run_sphinx(src, tmp_path / "out")
    (line,) = [w for w in built.warnings if "stray" in w]
    assert "[blog.localfiles]" in line and f"a link to {elsewhere / 'stray.md'}" in line
    assert not list((tmp_path / "out").rglob("*stray*"))


def test_every_warning_of_the_attacks_is_one_of_the_attacks(attacked):
    # No second message from Sphinx ("image file not readable") and nothing left unexplained.
    assert len(attacked.warnings) == len(ATTACKS) + 1, "\n".join(attacked.warnings)


def test_a_missing_include_fails_naming_file_line_and_path(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    (src / "posts" / "2024" / "inc.md").write_text(_post("inc", "```{include} none.md\n```"), "utf-8")
    built = run_sphinx(src, tmp_path / "out")
    assert built.returncode != 0
    # MyST's own message (a docutils "CRITICAL"), which the strict build counts.
    (line,) = [w for w in built.stderr.splitlines() if "inc.md:7:" in w]
    assert "posts/2024/none.md" in line and "not found" in line


def test_an_include_escaping_to_a_missing_file_fails_naming_file_and_line(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    body = "```{include} ../../../../nowhere-at-all.md\n```"
    (src / "posts" / "2024" / "inc.md").write_text(_post("inc", body), "utf-8")
    built = run_sphinx(src, tmp_path / "out")
    assert built.returncode != 0
    (line,) = [w for w in built.stderr.splitlines() if "inc.md:7:" in w]
    assert "nowhere-at-all.md" in line and "not found" in line


def test_nothing_outside_the_folder_or_hidden_reaches_the_output(attacked):
    passwd = Path("/etc/passwd").read_bytes()
    for path in attacked.files():
        data = path.read_bytes()
        assert data != passwd, path
        assert PASSWD_FIRST_LINE.encode() not in data, path
        assert SECRET.encode() not in data, path
    assert not [
        p for p in attacked.files() if p.name in ("passwd", "hostname", ".secret.png", "leak.png", "leak.txt")
    ]
    for name in ("literalinclude-absolute", "literalinclude-escape", "symlink-literalinclude"):
        page = LexborHTMLParser(attacked.path(f"posts/2024/{name}/").read_text("utf-8"))
        assert page.css_first("article div.highlight") is None, name


def test_the_post_stack_of_the_site_refuses_a_symlinked_markdown_image(tmp_path):
    # With blogext.core.frontmatter (loaded by blogext.outputs.feeds), whose own check follows the link.
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    _with_feeds(src)
    (src / "posts" / "2024" / "leak.png").symlink_to("/etc/passwd")
    (src / "posts" / "2024" / "linked.md").write_text(_post("linked", "![x](leak.png)"), "utf-8")
    built = run_sphinx(src, tmp_path / "out")
    assert built.returncode != 0
    assert any("linked.md:7:" in w and "leak.png" in w and "[blog.localfiles]" in w for w in built.warnings)
    assert not (tmp_path / "out" / "_images" / "leak.png").exists()


# -- what an author writes still works, and is copied ---------------------------------------------------


def _media_urls(page: LexborHTMLParser) -> list[str]:
    urls = []
    for element in page.css("article img, article source, article video, article audio, article track"):
        for name in ("src", "poster"):
            if element.attributes.get(name):
                urls.append(element.attributes[name])
        if element.attributes.get("srcset"):
            urls += [c.split()[0] for c in element.attributes["srcset"].split(",")]
    return [u for u in urls if not u.startswith("data:")]


def test_images_and_media_inside_html_are_copied_and_the_page_points_at_the_copies(good):
    page = LexborHTMLParser(good.path(POST).read_text("utf-8"))
    urls = _media_urls(page)
    assert len(urls) == 11, urls
    src = good.srcdir / "posts" / "2024"
    for url in urls:
        target = urlsplit(urljoin(f"https://files.example.org/{POST}", url))
        copy = good.outdir / unquote(target.path).lstrip("/")
        assert copy.parent == good.outdir / "_images", url
        assert copy.is_file(), url
        assert copy.read_bytes() in {p.read_bytes() for p in src.rglob("*") if p.is_file()}, url
    div_img = page.css_first("div.figure-like img")
    assert div_img.attributes["src"] == "../../../_images/inside-div.png"
    assert page.css_first("audio source").attributes["src"].endswith("_images/sound.ogg#t=1")


def test_html_without_local_files_is_left_as_written(good):
    text = good.path(POST).read_text("utf-8")
    assert (
        '<p>Off-site and inline images are not files: <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        'alt="dot"></p>'
    ) in text


def test_an_include_and_a_literalinclude_inside_the_folder_still_work(good):
    text = good.path(POST).read_text("utf-8")
    assert "INCLUDEDSNIPPET7731" in text
    assert "LITERALSNIPPET4410" in text
    assert len(good.files("_downloads/*/data.csv")) == 1


def test_copies_survive_a_rebuild_that_changes_nothing(good):
    again = assert_clean(run_sphinx(good.srcdir, good.outdir))
    assert (again.outdir / "_images" / "inside-div.png").is_file()
    assert (again.outdir / "_images" / "captions.vtt").is_file()


def test_a_changed_image_inside_html_is_copied_again(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    assert_clean(run_sphinx(src, tmp_path / "out"))
    image = src / "posts" / "2024" / "media" / "inside-div.png"
    image.write_bytes(image.read_bytes() + b"\0")
    os.utime(image, (image.stat().st_mtime + 5,) * 2)
    assert_clean(run_sphinx(src, tmp_path / "out"))
    assert (tmp_path / "out" / "_images" / "inside-div.png").read_bytes() == image.read_bytes()


def test_the_feed_entry_images_point_at_the_copied_files(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    _with_feeds(src)
    built = assert_clean(run_sphinx(src, tmp_path / "out"))
    (entry,) = feed_entries(built.feed("blog/atom.xml"))
    content = LexborHTMLParser(entry.findtext(f"{ATOM}content"))
    srcs = [
        img.attributes["src"] for img in content.css("img") if not img.attributes["src"].startswith("data:")
    ]
    assert any(s.endswith("/_images/inside-div.png") for s in srcs), srcs
    for url in srcs + [v.attributes["src"] for v in content.css("video, track, audio source")]:
        parts = urlsplit(url)
        assert parts.netloc == "files.example.org", url
        assert (built.outdir / unquote(parts.path).lstrip("/")).is_file(), url


# -- notebooks: their Markdown cells' and outputs' HTML follow the same rule ------------------------------


def _notebook(cells: list[dict]) -> str:
    metadata = {
        "date": "2024-05-02",
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    }
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4})


def _html_output(html: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": "show()",
        "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}],
    }


def _with_notebook(tmp_path: Path, outputs_html: str) -> BuiltSite:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-localfiles", src)
    _with_feeds(src)  # blogext.markup.notebooks needs the post model, which blogext.outputs.feeds brings
    conf = src / "conf.py"
    more = (
        '\nextensions.insert(1, "blogext.markup.notebooks")\n'
        'nb_ipywidgets_js = {}\nnb_execution_mode = "off"\n'
    )
    conf.write_text(conf.read_text("utf-8") + more, "utf-8")
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": '# A notebook\n\n<div><img src="pic.png"></div>'},
        _html_output(outputs_html),
    ]
    (src / "posts" / "2024" / "nb.ipynb").write_text(_notebook(cells), "utf-8")
    return run_sphinx(src, tmp_path / "out")


def test_a_notebook_output_naming_a_missing_video_fails_naming_the_notebook(tmp_path):
    built = _with_notebook(tmp_path, '<video controls src="media/gone.mp4"></video>')
    assert built.returncode != 0
    (line,) = [w for w in built.warnings if "[blog.localfiles]" in w]
    assert "posts/2024/nb.ipynb" in line and "media/gone.mp4" in line and MISSING in line


def test_a_notebook_image_inside_html_is_copied(tmp_path):
    built = assert_clean(_with_notebook(tmp_path, '<div><img src="media/wide.png"></div>'))
    page = LexborHTMLParser(built.path("posts/2024/nb/").read_text("utf-8"))
    srcs = [img.attributes["src"] for img in page.css("article img")]
    assert srcs == ["../../../_images/pic.png", "../../../_images/wide.png"], srcs
    assert (built.outdir / "_images" / "wide.png").is_file()
