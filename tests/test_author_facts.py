"""Nothing said in the author's name that she did not say (issue 15).

Her own writing is her article, "Finding my feet as a Machine Learning
Engineer" (published word for word: ``test_site.py``), and the teasers she wrote
for her two Git guides, quoted below. Every sentence the site says about her
(the About page, the home page's introduction, the author card under each post,
the feed's subtitle, the link preview's alt text) is listed here with the words
of hers that support it; a new or changed sentence fails until someone checks it
against her writing and lists it. The guides may speak in the first person about
Git, but not invent her history, opinions or anecdotes.
"""

from __future__ import annotations

import re
import sys

import pytest
import yaml
from conftest import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from blogext.core.frontmatter_check import label_key  # noqa: E402  # how tags are matched

ARTICLE = REPO / "posts/2023/finding-my-feet-as-a-machine-learning-engineer.md"
PART1 = REPO / "posts/2023/what-a-git.md"
PART2 = REPO / "posts/2023/getting-started-with-git.md"

#: Her teasers for the Git guides, and their tags, as she wrote them.
TEASERS = {
    PART1: (
        "First off, what even is GIT? Well, no I'm not insulting anyone with British slang. Actually, "
        "this is the tool used to track code over time, helpful for collaborating with others.",
        ["Data Science", "Machine Learning Engineer", "ML Engineering", "Machine Learning", "Tutorial"],
    ),
    PART2: (
        "Git is a handy tool for keeping track of and sharing your code. I'll be doing a bit of a "
        '"How to" guide on getting stared with git and cloud repositories.',
        ["GIT", "Version Control", "MLOps", "Machine Learning Engineer", "Tutorial"],
    ),
}
#: Typos in her teasers that the posts correct; nothing else may differ.
TYPOS = {"getting stared with": "getting started with"}

#: Every sentence the site says about her, with her words that support it (from the
#: article, or a teaser: all must be found there word for word).
SUPPORTED = {
    # About page
    "I'm Shruti Turner, a machine-learning engineer.": ["where I have been employed as an ML Engineer"],
    "My formal education was never in computing.": [
        "My formal education has never been directly related to Computer Engineering/Computing"
    ],
    "I started in aerospace engineering, where I wrote code to get my work done, then moved to biomedical "
    "engineering, where I completed my PhD.": [
        "I started off in Aerospace Engineering, where I did some code to fulfil the requirements of my "
        "work.",
        "I then jumped ship to Biomedical Engineering, which is the realm in which I completed my PhD.",
    ],
    "What got me into data science, and was my stepping stone to ML Engineering, was a job mentoring adult "
    "learners doing apprenticeships, alongside my own self-paced learning.": [
        "What really got me directly into the Data Science space, my stepping stone to ML Engineering was a "
        "job mentoring adult learners doing apprenticeships alongside my own informal self-paced learning."
    ],
    "Then an accelerator programme showed me that my interests were more in ML Engineering than in data "
    "science itself.": [
        "it wasn't until I embarked on an accelerator programme I realised that actually my interests were "
        "more in ML Engineering than Data Science itself."
    ],
    "I use this blog to write about my journey as a machine-learning engineer, to share my experiences and "
    "knowledge.": [
        "I'm planning to use this blog to write about my journey as a Machine Learning Engineer, both to "
        "share my experiences and knowledge."
    ],
    "Expect a mix of posts, technical and otherwise, for people already in the field, people getting into "
    "it, and anyone else who fancies a read.": [
        "I hope to have a mixture of blog posts, technical and otherwise which will hopefully be of "
        "interest to others in the field already, those getting into the field and anyone else who just "
        "fancies a read."
    ],
    # home page
    "I'm a machine-learning engineer, and I write here about my journey as one, to share my experiences and "
    "knowledge: posts technical and otherwise, from what an ML Engineer does to hands-on guides such as the "
    "Git series.": [
        "where I have been employed as an ML Engineer",
        "to write about my journey as a Machine Learning Engineer, both to share my experiences and "
        "knowledge",
        "a mixture of blog posts, technical and otherwise",
        "What does a Machine Learning Engineer do?",
        'I\'ll be doing a bit of a "How to" guide on getting stared with git',
    ],
    # author card (conf.py, blogext_author_bios)
    "Machine-learning engineer.": ["where I have been employed as an ML Engineer"],
    "I studied aerospace and then biomedical engineering, where I did my PhD, and I write here about my "
    "journey in ML Engineering.": [
        "My formal education",
        "I started off in Aerospace Engineering",
        "I then jumped ship to Biomedical Engineering, which is the realm in which I completed my PhD.",
        "to write about my journey as a Machine Learning Engineer",
    ],
    # feed subtitle (blog_feed_subtitle) and link-preview alt text (ogp_image_alt)
    "Notes from a machine-learning engineer: her journey in ML Engineering, and Git guides.": [
        "to write about my journey as a Machine Learning Engineer",
        'I\'ll be doing a bit of a "How to" guide on getting stared with git',
    ],
    "Shruti Turner: notes from a machine-learning engineer": ["where I have been employed as an ML Engineer"],
}

#: Claims about her that her writing does not support (from the review in issue 15), and
#: the anecdotes' tell-tale phrases; none may appear anywhere on the site.
UNSUPPORTED = [
    "confused me",
    "when i started out",
    "like me",
    "insult after all",
    "data-science apprenticeships",
    "enjoy",
    "into production",
    "formerly",
    "by way of aerospace",
    "moved from aerospace",
    "shipping models",
]


def _plain(text: str) -> str:
    """*text* with curly quotes straightened and whitespace collapsed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def _her_words() -> str:
    article = ARTICLE.read_text("utf-8").split("\n---\n", 1)[1]
    return _plain(" ".join([article, *(teaser for teaser, _tags in TEASERS.values())]))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", _plain(text)) if s]


def _front_matter(post) -> dict:
    text = post.read_text("utf-8")
    return yaml.safe_load(text[4 : text.index("\n---", 3)])


# --- Her words, where the site quotes them --------------------------------------------------


@pytest.mark.parametrize("post", list(TEASERS), ids=lambda p: p.name)
def test_each_git_guide_opens_with_her_teaser_word_for_word(post):
    body = post.read_text("utf-8").split("\n---\n", 1)[1]
    opening = _plain(body.split("\n# ", 1)[1].split("\n\n", 2)[1])
    teaser = _plain(TEASERS[post][0])
    for typo, fixed in TYPOS.items():
        teaser = teaser.replace(typo, fixed)
    assert opening == teaser


@pytest.mark.parametrize("post", list(TEASERS), ids=lambda p: p.name)
def test_each_git_guide_has_her_tags_differing_only_where_tags_match_anyway(post):
    tags = _front_matter(post)["tags"]
    assert [label_key(t) for t in tags] == [label_key(t) for t in TEASERS[post][1]], tags


def test_every_supporting_quote_is_her_own_words():
    hers = _her_words()
    for sentence, quotes in SUPPORTED.items():
        for quote in quotes:
            assert _plain(quote) in hers, f"{sentence!r}: {quote!r} is not in her article or teasers"


# --- What the site says about her --------------------------------------------------------------


def _said_about_her(site) -> dict[str, list[str]]:
    """Each place the site speaks about the author, and its sentences."""
    about = site.html("about/").select_one("article")
    about_text = " ".join(p.get_text() for p in about.select("p") if not p.find_parent("li"))
    home = site.html("")
    intro = " ".join(p.get_text() for p in home.select(".home-intro p") if p.get_text().strip().endswith("."))
    card = site.html("posts/2023/what-a-git/").select_one(".author-card-bio")
    subtitle = site.feed("blog/atom.xml").findtext("{http://www.w3.org/2005/Atom}subtitle")
    alt = home.select_one('meta[property="og:image:alt"]')
    return {
        "about page": _sentences(about_text),
        "home page": _sentences(intro),
        "author card": _sentences(card.get_text() if card else ""),
        "feed subtitle": _sentences(subtitle or ""),
        "link preview alt text": [alt["content"]] if alt else [],
    }


def test_every_sentence_about_her_is_one_her_writing_supports(site):
    said = _said_about_her(site)
    for where in ("about page", "home page", "author card", "feed subtitle", "link preview alt text"):
        assert said[where], f"nothing found on the {where}: has its markup changed?"
    for where, sentences in said.items():
        for sentence in sentences:
            assert _plain(sentence) in SUPPORTED, (
                f"{where}: {sentence!r} is not checked against her writing; check it, then list it in "
                "SUPPORTED with her words that support it"
            )


def test_no_page_or_feed_makes_the_claims_the_review_found(site):
    for page in [*site.files("**/*.html"), *site.files("**/*.xml")]:
        if "_static" in page.parts:
            continue
        text = _plain(page.read_text("utf-8")).lower()
        for phrase in UNSUPPORTED:
            assert phrase not in text, f"{page.relative_to(site.outdir)} says {phrase!r}"


@pytest.mark.parametrize("post", list(TEASERS), ids=lambda p: p.name)
def test_the_git_guides_tell_no_stories_about_her(post):
    """First person about Git is fine ("your IDs will differ from mine"); her history is not."""
    text = _plain(post.read_text("utf-8")).lower()
    stories = (r"\bwhen i (started|was|began)\b", r"\bmy (career|first job|phd|team|manager|colleagues)\b")
    for pattern in stories:
        assert not re.search(pattern, text), f"{post.name}: {re.search(pattern, text)[0]!r}"
    for phrase in UNSUPPORTED:
        assert phrase not in text, f"{post.name} says {phrase!r}"
