//! "Copy embed code": what is on screen as the text an author pastes into a post, for the host they
//! write in (plain HTML, an iframe, a Hugo shortcode, a Jekyll include, MDX/Astro), with the base
//! path where they put `dist/` (`/assets/eoscope/`). Pure and compiled natively:
//! `tests/embed_code.rs` checks every variant, and `tests/e2e/site.test.mjs` pastes them into pages
//! and a real Hugo site.
//!
//! Every value written is one the option parser accepts back (`embed_options`), and escaped for
//! the attribute or query it goes into, so a pasted snippet shows the same widget.

/// The hosts a snippet can be written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Host {
    /// `<script type="module" src=…/boot.js>` and `<eoscope-widget …>`: plain HTML, Jekyll with
    /// kramdown, Hugo with `markup.goldmark.renderer.unsafe = true`.
    #[default]
    Html,
    /// `embed.html` in a sandboxed iframe, sized by `embed-resize.js`: hosts that take no scripts.
    Iframe,
    /// `{{< eoscope … >}}`, with `dist/hugo/eoscope.html` as `layouts/shortcodes/eoscope.html`.
    Hugo,
    /// `{% include eoscope.html … %}`, with `dist/jekyll/eoscope.html` in `_includes/`.
    Jekyll,
    /// The element as JSX takes it (MDX in Docusaurus, Next or Astro); boot.js goes in the layout.
    Mdx,
}

impl Host {
    pub const ALL: [Host; 5] = [
        Host::Html,
        Host::Iframe,
        Host::Hugo,
        Host::Jekyll,
        Host::Mdx,
    ];

    /// The id in the picker (`<option value>`).
    pub fn id(self) -> &'static str {
        match self {
            Host::Html => "html",
            Host::Iframe => "iframe",
            Host::Hugo => "hugo",
            Host::Jekyll => "jekyll",
            Host::Mdx => "mdx",
        }
    }

    /// The name in the picker (the same in both languages: they are product names).
    pub fn name(self) -> &'static str {
        match self {
            Host::Html => "HTML",
            Host::Iframe => "iframe",
            Host::Hugo => "Hugo",
            Host::Jekyll => "Jekyll",
            Host::Mdx => "MDX / Astro",
        }
    }

    pub fn from_id(id: &str) -> Option<Host> {
        Host::ALL.into_iter().find(|h| h.id() == id)
    }
}

/// What the widget shows, as options (names and values as `<eoscope-widget>` takes them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Widget {
    /// A shipped story's id, or None for the author's own file (`src`).
    pub scenario: Option<String>,
    /// The author's file, by a URL from the site's root.
    pub src: Option<String>,
    /// The moment on screen, `m=1.…` (`share::encode`): step, seed, faults and language.
    pub moment: Option<String>,
    /// The panel ids shown, comma-separated.
    pub panels: String,
    /// `full`, `minimal` or `none`.
    pub controls: &'static str,
    /// A title for the iframe (read by screen readers).
    pub title: String,
}

impl Widget {
    /// The options in the order the snippet writes them. A moment is a fixed picture: it must
    /// not play past itself, so `autoplay` is off.
    fn options(&self) -> Vec<(&'static str, String)> {
        let mut o = Vec::new();
        if let Some(s) = &self.scenario {
            o.push(("scenario", s.clone()));
        }
        if let Some(s) = &self.src {
            o.push(("src", s.clone()));
        }
        if let Some(m) = &self.moment {
            o.push(("moment", m.clone()));
        }
        if !self.panels.is_empty() {
            o.push(("panels", self.panels.clone()));
        }
        o.push(("controls", self.controls.to_string()));
        o.push(("autoplay", "false".into()));
        o
    }
}

/// The base path as a snippet writes it: trimmed, ending in `/`; empty means "next to the page".
/// Refused when it could not be a path or URL in an attribute.
pub fn check_base(base: &str) -> Result<String, String> {
    let b = base.trim();
    if b.len() > 512
        || !b
            .bytes()
            .all(|c| c.is_ascii_graphic() && !b"\"'<>`\\{}|^".contains(&c))
    {
        return Err("the base path must be a path or URL like /assets/eoscope/".into());
    }
    if b.is_empty() || b.ends_with('/') {
        Ok(b.to_string())
    } else {
        Ok(format!("{}/", b))
    }
}

/// `&`, `"`, `<`, `>` as HTML writes them in a double-quoted attribute.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A query value: everything but unreserved characters (and `,` `/`, which the parser reads back
/// as they are) percent-escaped.
fn query_value(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

/// The snippet for `host`, with `dist/` at `base` (already checked by [`check_base`]).
pub fn snippet(host: Host, base: &str, w: &Widget) -> String {
    let options = w.options();
    let attrs: String = options
        .iter()
        .map(|(k, v)| format!(" {}=\"{}\"", k, attr(v)))
        .collect();
    let boot = format!(
        "<script type=\"module\" src=\"{}boot.js\"></script>",
        attr(base)
    );
    match host {
        Host::Html => format!("{}\n<eoscope-widget{}></eoscope-widget>", boot, attrs),
        Host::Mdx => format!(
            "{{/* once per page, in the layout's <head>: {} */}}\n<eoscope-widget{}></eoscope-widget>",
            boot, attrs
        ),
        Host::Iframe => {
            let query: Vec<String> = options
                .iter()
                .map(|(k, v)| format!("{}={}", k, query_value(v)))
                .collect();
            format!(
                "<iframe src=\"{b}embed.html?{q}\" title=\"{t}\" sandbox=\"allow-scripts\" loading=\"lazy\" width=\"100%\" height=\"480\"></iframe>\n<script src=\"{b}embed-resize.js\" defer></script>",
                b = attr(base),
                q = attr(&query.join("&")),
                t = attr(&w.title)
            )
        }
        Host::Hugo => {
            // The shortcode's `base` parameter only when it differs from its default.
            let base_param = if base == DEFAULT_BASE {
                String::new()
            } else {
                format!(" base=\"{}\"", attr(base))
            };
            format!("{{{{< eoscope{}{} />}}}}", attrs, base_param)
        }
        Host::Jekyll => {
            let base_param = if base == DEFAULT_BASE {
                String::new()
            } else {
                format!(" base=\"{}\"", attr(base))
            };
            format!("{{% include eoscope.html{}{} %}}", attrs, base_param)
        }
    }
}

/// Where the shortcode and the include look for `dist/` when the snippet names no `base`
/// (README "Embedding": `dist/` copied to the site's `/assets/eoscope/`).
pub const DEFAULT_BASE: &str = "/assets/eoscope/";
