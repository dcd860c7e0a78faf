"""Ways to load from another host or run script that a naive check misses, each with what must be found.

Written for these tests from the kinds listed in public cheat sheets (OWASP's XSS filter evasion cheat
sheet, PortSwigger's XSS cheat sheet, the WHATWG URL standard's examples): URLs spelled so that a
browser reads a host a plain parser does not, CSS escapes and functions, markup that parses differently
in a browser than in a regular expression, nested documents, and event handlers and script URLs.

Each entry: id -> (HTML as a post would hold it, the problem found, text the finding's URL or value holds).
"""

EVIL = "evil.example"

VARIANTS: dict[str, tuple[str, str, str]] = {
    # -- URLs the WHATWG parser reads with another host
    "slash-backslash": ('<img src="/\\evil.example/a.png" alt="">', "offsite", EVIL),
    "backslash-backslash": ('<img src="\\\\evil.example\\a.png" alt="">', "offsite", EVIL),
    "backslash-slash": ('<img src="\\/evil.example/a.png" alt="">', "offsite", EVIL),
    "scheme-backslashes": ('<img src="https:\\\\evil.example/a.png" alt="">', "offsite", EVIL),
    "other-scheme-no-slashes": ('<img src="http:evil.example/a.png" alt="">', "offsite", EVIL),
    "tab-in-scheme": ('<img src="ht&#x09;tps://evil.example/a.png" alt="">', "offsite", EVIL),
    "newline-entity-in-scheme": ('<img src="htt&NewLine;ps://evil.example/a.png" alt="">', "offsite", EVIL),
    "entity-slashes": ('<img src="&#x2F;&#x2F;evil.example/a.png" alt="">', "offsite", EVIL),
    "padded-decimal-entities": ('<img src="&#0000104;ttps://evil.example/a.png" alt="">', "offsite", EVIL),
    "leading-control-characters": ('<img src=" &#13;&#1;//evil.example/a.png" alt="">', "offsite", EVIL),
    "upper-case": ('<IMG SRC="HTTPS://EVIL.EXAMPLE/A.PNG" ALT="">', "offsite", EVIL),
    "fullwidth-host": ('<img src="//\uff45\uff56\uff49\uff4c.example/a.png" alt="">', "offsite", EVIL),
    "hex-ip-host": ('<img src="//0x7f.1/a.png" alt="">', "offsite", "127.0.0.1"),
    "userinfo-looks-like-own-host": (
        '<img src="https://offsite.example.org@evil.example/a.png" alt="">',
        "offsite",
        EVIL,
    ),
    "own-host-other-port": (
        '<img src="https://offsite.example.org:8443/a.png" alt="">',
        "offsite",
        "offsite.example.org:8443",
    ),
    # -- every attribute that loads
    "table-background": (
        '<table background="//evil.example/bg.png"><tr><td>x</td></tr></table>',
        "offsite",
        EVIL,
    ),
    "body-background": ('<body background="//evil.example/bg.png">', "offsite", EVIL),
    "video-poster": ('<video poster="//evil.example/p.png"></video>', "offsite", EVIL),
    "srcset-second-candidate": ('<img srcset="/a.png 1x, //evil.example/b.png 2x" alt="">', "offsite", EVIL),
    "link-imagesrcset": (
        '<link rel="preload" as="image" imagesrcset="//evil.example/a.png 2x">',
        "offsite",
        EVIL,
    ),
    "input-image": ('<input type="image" src="//evil.example/a.png" alt="go">', "offsite", EVIL),
    "form-action": ('<form action="//evil.example/collect"><button>Send</button></form>', "offsite", EVIL),
    "button-formaction": (
        '<form><button formaction="//evil.example/c">Send</button></form>',
        "offsite",
        EVIL,
    ),
    "anchor-ping": ('<a href="/x" ping="/y //evil.example/ping">x</a>', "offsite", EVIL),
    "meta-refresh": ('<meta http-equiv="refresh" content="0; URL=\'//evil.example/\'">', "offsite", EVIL),
    "link-dns-prefetch": ('<link rel="dns-prefetch preconnect" href="//evil.example">', "offsite", EVIL),
    "object-data": ('<object data="//evil.example/a.svg"></object>', "offsite", EVIL),
    "iframe-slash-backslash": ('<iframe src="/\\evil.example/" title="x"></iframe>', "offsite", EVIL),
    # -- SVG
    "svg-script-href": ('<svg><script href="//evil.example/a.js"></script></svg>', "offsite", EVIL),
    "svg-script-xlink-href": (
        '<svg><script xlink:href="//evil.example/a.js"></script></svg>',
        "offsite",
        EVIL,
    ),
    "svg-image": ('<svg><image href="//evil.example/a.png"/></svg>', "offsite", EVIL),
    "svg-use": ('<svg><use href="//evil.example/s.svg#a"/></svg>', "offsite", EVIL),
    "svg-feimage": (
        '<svg><filter id="f"><feImage href="//evil.example/a.png"/></filter></svg>',
        "offsite",
        EVIL,
    ),
    "svg-set-href": (
        '<svg><image><set attributeName="href" to="//evil.example/a.png"/></image></svg>',
        "offsite",
        EVIL,
    ),
    "svg-style-entity": ('<svg><style>@import "&#x2f;/evil.example/a.css";</style></svg>', "offsite", EVIL),
    # -- CSS
    "css-escaped-url-function": (
        '<p style="background:\\75 rl(//evil.example/a.png)">x</p>',
        "offsite",
        EVIL,
    ),
    "css-escape-inside-name": (
        "<p style=\"background:u\\72l('//evil.example/a.png')\">x</p>",
        "offsite",
        EVIL,
    ),
    "css-image-set-string": (
        "<p style=\"background-image:image-set('//evil.example/a.png' 1x)\">x</p>",
        "offsite",
        EVIL,
    ),
    "css-webkit-image-set": (
        '<p style="background:-webkit-image-set(url(//evil.example/a.png) 1x)">x</p>',
        "offsite",
        EVIL,
    ),
    "css-import-escaped-string": ("<style>@import '\\2f\\2f evil.example/a.css';</style>", "offsite", EVIL),
    "css-font-face-src": (
        "<style>@font-face{font-family:x;src:url(//evil.example/f.woff)}</style>",
        "offsite",
        EVIL,
    ),
    "css-expression": ('<p style="width:expression(alert(1))">x</p>', "active", "expression"),
    # -- nested documents and markup a browser parses its own way
    "srcdoc": ('<iframe srcdoc="&lt;img src=//evil.example/a.png&gt;" title="x"></iframe>', "offsite", EVIL),
    "srcdoc-in-srcdoc": (
        "<iframe srcdoc=\"<iframe srcdoc='&amp;lt;img src=//evil.example/a.png&amp;gt;'></iframe>\" "
        'title="x"></iframe>',
        "offsite",
        EVIL,
    ),
    "noscript-attribute-mxss": (
        '<noscript><p title="</noscript><img src=//evil.example/a.png>"></noscript>',
        "offsite",
        EVIL,
    ),
    "declarative-shadow-root": (
        '<div><template shadowrootmode="open"><img src="//evil.example/a.png" alt=""></template></div>',
        "offsite",
        EVIL,
    ),
    "data-url-frame": (
        '<iframe src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;" title="x"></iframe>',
        "data",
        "data:",
    ),
    "data-url-stylesheet": (
        '<link rel="stylesheet" href="data:text/css,@import url(//evil.example/a.css)">',
        "data",
        "data:",
    ),
    # -- active content
    "img-onerror": ('<img src=x onerror="fetch(\'//evil.example/\')" alt="">', "active", "fetch"),
    "svg-onload": ("<svg onload=alert(1)></svg>", "active", "alert"),
    "slash-separated-handler": ('<img/src="x"/onerror=alert(1) alt="">', "active", "alert"),
    "javascript-url-with-tab": ('<a href="jav&#x09;ascript:alert(1)">x</a>', "active", "alert"),
    "javascript-url-entities": ('<a href="&#106;&#97;vascript:alert(1)">x</a>', "active", "alert"),
    "svg-animate-javascript": (
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text y="20">x</text></a></svg>',
        "active",
        "alert",
    ),
    "iframe-javascript": ('<iframe src="javascript:alert(1)" title="x"></iframe>', "active", "alert"),
    "inline-script": ("<script>alert(1)</script>", "active", "alert"),
    "svg-inline-script": ("<svg><script>alert(1)</script></svg>", "active", "alert"),
    "base-href": ('<base href="https://evil.example/">', "base", EVIL),
}
