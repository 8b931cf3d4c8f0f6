//! "Copy embed code": every variant, exactly, and read back by the option parser to the same
//! widget (the browser side, pasting them into pages and a Hugo site, is tests/e2e/site.test.mjs).

use eoscope::embed_code::{check_base, snippet, Host, Widget, DEFAULT_BASE};
use eoscope::embed_options::{self as eo, EmbedOptions, Lang};
use eoscope::share::{self, Moment};

fn moment(src: Option<&str>) -> Moment {
    Moment {
        scenario: if src.is_some() {
            String::new()
        } else {
            "txn-commit".into()
        },
        seed: Some(7),
        step: 16,
        lang: "en".into(),
        actions: vec![(3, eoscope::sim::timeline::UserAction::DropMessage(5))],
        without_schedule: false,
        src: src.map(str::to_string),
    }
}

fn widget(m: &Moment) -> Widget {
    Widget {
        scenario: m.src.is_none().then(|| m.scenario.clone()),
        src: m.src.clone(),
        moment: Some(share::encode(m)),
        panels: "logs,verdicts".into(),
        controls: "minimal",
        title: "eoscope: A transaction that \"commits\"".into(),
    }
}

/// The `name="value"` pairs of a snippet's element or shortcode, unescaped as HTML reads them.
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find("=\"") {
        let name_start = rest[..eq].rfind(' ').map_or(0, |i| i + 1);
        let name = rest[name_start..eq].to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').expect("a closing quote");
        let value = after[..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push((name, value));
        rest = &after[end + 1..];
    }
    out
}

fn parsed(pairs: &[(String, String)]) -> EmbedOptions {
    let attr = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    eo::from_attributes(attr, "", Lang::En).expect("the snippet's options are valid")
}

#[test]
fn the_html_variant_is_the_script_and_the_element_for_what_is_on_screen() {
    let m = moment(None);
    let s = snippet(Host::Html, "/assets/eoscope/", &widget(&m));
    let enc = share::encode(&m);
    assert_eq!(
        s,
        format!(
            "<script type=\"module\" src=\"/assets/eoscope/boot.js\"></script>\n<eoscope-widget scenario=\"txn-commit\" moment=\"{}\" panels=\"logs,verdicts\" controls=\"minimal\" autoplay=\"false\"></eoscope-widget>",
            enc
        )
    );
    let o = parsed(&attributes(s.split('\n').nth(1).unwrap()));
    assert_eq!(eo::SCENARIOS[o.scenario].0, "txn-commit");
    assert_eq!(o.moment, Some(m));
    assert_eq!(o.controls, eo::Controls::Minimal);
    assert!(!o.autoplay, "a moment must not play past itself");
    assert_eq!(
        o.panels,
        Some(eo::Panel::Logs.bit() | eo::Panel::Verdicts.bit())
    );
}

#[test]
fn a_run_from_the_authors_file_carries_the_files_url() {
    let m = moment(Some("/posts/eos/my-abort.json"));
    let s = snippet(Host::Html, "/assets/eoscope/", &widget(&m));
    assert!(s.contains(" src=\"/posts/eos/my-abort.json\" "), "{}", s);
    assert!(!s.contains("scenario="), "{}", s);
    let o = parsed(&attributes(s.split('\n').nth(1).unwrap()));
    assert_eq!(o.src.as_deref(), Some("/posts/eos/my-abort.json"));
    assert_eq!(
        o.moment.and_then(|m| m.src).as_deref(),
        Some("/posts/eos/my-abort.json")
    );
}

#[test]
fn the_iframe_variant_reads_back_through_the_query_parser() {
    let m = moment(None);
    let s = snippet(Host::Iframe, "/blog/eos/", &widget(&m));
    assert!(
        s.starts_with("<iframe src=\"/blog/eos/embed.html?scenario=txn-commit&amp;moment=m%3D1."),
        "{}",
        s
    );
    assert!(
        s.contains(" title=\"eoscope: A transaction that &quot;commits&quot;\""),
        "{}",
        s
    );
    assert!(
        s.contains(" sandbox=\"allow-scripts\" loading=\"lazy\""),
        "{}",
        s
    );
    assert!(
        s.ends_with("\n<script src=\"/blog/eos/embed-resize.js\" defer></script>"),
        "{}",
        s
    );
    let src = &attributes(&s)[0].1;
    let query = src.split_once('?').unwrap().1;
    let pairs = eo::query_pairs(query, |v| Some(percent_decode(v))).unwrap();
    let raw = eo::raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "").unwrap();
    let o = eo::validate(raw, true, Lang::En).unwrap();
    assert_eq!(o.moment, Some(m));
    assert_eq!(o.controls, eo::Controls::Minimal);
}

#[test]
fn hugo_and_jekyll_write_their_own_syntax_and_name_base_only_when_it_is_not_the_default() {
    let m = moment(None);
    let w = widget(&m);
    let hugo = snippet(Host::Hugo, DEFAULT_BASE, &w);
    assert!(
        hugo.starts_with("{{< eoscope scenario=\"txn-commit\" moment=\"m=1."),
        "{}",
        hugo
    );
    assert!(
        hugo.ends_with(" controls=\"minimal\" autoplay=\"false\" />}}"),
        "{}",
        hugo
    );
    let jekyll = snippet(Host::Jekyll, DEFAULT_BASE, &w);
    assert!(
        jekyll.starts_with("{% include eoscope.html scenario=\"txn-commit\" "),
        "{}",
        jekyll
    );
    assert!(jekyll.ends_with(" autoplay=\"false\" %}"), "{}", jekyll);
    for s in [&hugo, &jekyll] {
        assert_eq!(parsed(&attributes(s)).moment, Some(m.clone()));
    }
    assert!(snippet(Host::Hugo, "/static/eo/", &w).ends_with(" base=\"/static/eo/\" />}}"));
    assert!(snippet(Host::Jekyll, "/static/eo/", &w).ends_with(" base=\"/static/eo/\" %}"));
}

#[test]
fn mdx_puts_the_script_in_a_comment_for_the_layout() {
    let s = snippet(Host::Mdx, "/assets/eoscope/", &widget(&moment(None)));
    let (comment, element) = s.split_once('\n').unwrap();
    assert_eq!(
        comment,
        "{/* once per page, in the layout's <head>: <script type=\"module\" src=\"/assets/eoscope/boot.js\"></script> */}"
    );
    assert!(element.starts_with("<eoscope-widget scenario=\"txn-commit\""));
}

#[test]
fn the_base_path_ends_in_a_slash_and_refuses_what_an_attribute_cannot_hold() {
    assert_eq!(
        check_base(" /assets/eoscope ").as_deref(),
        Ok("/assets/eoscope/")
    );
    assert_eq!(
        check_base("https://cdn.example/eo/").as_deref(),
        Ok("https://cdn.example/eo/")
    );
    assert_eq!(check_base("").as_deref(), Ok(""));
    for bad in ["/a b/", "/a\"onload=x/", "<x>", &"a".repeat(600)] {
        assert_eq!(
            check_base(bad),
            Err("the base path must be a path or URL like /assets/eoscope/".into())
        );
    }
    for h in Host::ALL {
        assert_eq!(Host::from_id(h.id()), Some(h));
    }
}

#[test]
fn a_refused_option_keeps_the_authors_layout() {
    let pairs = [
        ("scenario", "my-abort"),
        ("controls", "minimal"),
        ("panels", "logs"),
        ("height", "400"),
        ("step", "x"),
    ];
    let o = eo::fallback(pairs.iter().copied(), true, Lang::Ko);
    assert_eq!(o.controls, eo::Controls::Minimal);
    assert_eq!(o.panels, Some(eo::Panel::Logs.bit()));
    assert_eq!(o.height, Some(400));
    assert_eq!(o.lang, Lang::Ko);
    assert_eq!(o.scenario, 0);
    assert!(!o.autoplay);
    let bad_layout = [("controls", "tiny"), ("panels", "logs,nope")];
    let o = eo::fallback(bad_layout.iter().copied(), true, Lang::En);
    assert_eq!((o.controls, o.panels), (eo::Controls::Full, None));
}

#[test]
fn src_and_scenario_together_are_refused() {
    let attr = |n: &str| match n {
        "scenario" => Some("txn-commit".to_string()),
        "src" => Some("a.json".to_string()),
        _ => None,
    };
    assert_eq!(
        eo::from_attributes(attr, "", Lang::En).unwrap_err(),
        "give `scenario` (a shipped story) or `src` (your own file), not both"
    );
    let bad = |n: &str| (n == "src").then(|| "javascript:alert(1)".to_string());
    assert!(eo::from_attributes(bad, "", Lang::En)
        .unwrap_err()
        .contains("`javascript:` is not http or https"));
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
