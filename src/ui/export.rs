//! Export: the run as a JSON trace (`trace_file`), and the picture as a standalone SVG or a PNG.
//!
//! The SVG is the topology drawing (or, when it is hidden, the first partition log) cloned with
//! the computed styles that matter written onto every element as presentation attributes, so it
//! renders outside the page (the drawing's colours come from the stylesheet's classes and theme
//! variables). Presentation attributes, not `style=""`: a `style` attribute would be an inline
//! style, which the strict CSP's `style-src 'self'` reports even on a detached clone.
//!
//! The PNG draws that SVG into a canvas at 2× through an `<img>` with a `blob:` URL. Under the
//! strict CSP `img-src` falls back to `default-src 'self'`, which refuses `blob:` images: the
//! image's `error` event says so, and the caller tells the reader (the SVG works everywhere).
//! Downloads go through an `<a download>` with a `blob:` URL (navigation, which the CSP allows).

use gloo::events::EventListener;
use gloo::file::{Blob, ObjectUrl};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlElement, HtmlImageElement,
};
use yew::Callback;

/// The computed styles copied onto the clone.
const STYLE_PROPS: [&str; 17] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "opacity",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "visibility",
];

/// Saves `blob` as a file called `name`.
pub fn download_blob(name: &str, blob: Blob) {
    let url = ObjectUrl::from(blob);
    let doc = gloo::utils::document();
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Some(a) = a.dyn_ref::<HtmlElement>() {
            a.click();
        }
    }
    // The download reads the blob after this task; revoke the URL a while later.
    gloo::timers::callback::Timeout::new(30_000, move || drop(url)).forget();
}

/// Saves `text` as a file.
pub fn download_text(name: &str, mime: &str, text: &str) {
    download_blob(name, Blob::new_with_options(text, Some(mime)));
}

/// The picture to export: the topology drawing, else the first partition log.
fn picture_element(root: &Element) -> Option<Element> {
    [
        ".panel-topology svg.topo",
        ".panel-logs svg.log",
        "svg.topo",
        "svg.log",
    ]
    .iter()
    .find_map(|sel| root.query_selector(sel).ok().flatten())
}

/// Initial values: a property at its initial value is left out of the root element.
const INITIAL: [&str; 17] = [
    "rgb(0, 0, 0)",
    "1",
    "none",
    "1px",
    "none",
    "1",
    "butt",
    "miter",
    "",
    "",
    "400",
    "normal",
    "1",
    "start",
    "auto",
    "normal",
    "visible",
];

/// Writes `from`'s computed styles onto `to`: the ones that differ from what `to` inherits from
/// its parent (or, at the root, from the initial values), to keep the file small.
fn inline_styles(win: &web_sys::Window, from: &Element, to: &Element, root: bool) {
    let Ok(Some(cs)) = win.get_computed_style(from) else {
        return;
    };
    if cs.get_property_value("display").ok().as_deref() == Some("none") {
        let _ = to.set_attribute("display", "none");
        return;
    }
    let parent = if root {
        None
    } else {
        from.parent_element()
            .and_then(|p| win.get_computed_style(&p).ok().flatten())
    };
    for (i, p) in STYLE_PROPS.iter().enumerate() {
        let Ok(v) = cs.get_property_value(p) else {
            continue;
        };
        // `opacity` is not inherited: only its initial value can be left out.
        let inherited = match (&parent, *p) {
            (Some(_), "opacity") | (None, _) => INITIAL[i].to_string(),
            (Some(ps), _) => ps.get_property_value(p).unwrap_or_default(),
        };
        if !v.is_empty() && v != inherited {
            let _ = to.set_attribute(p, &v);
        }
    }
}

/// The picture as a standalone SVG document, with its size in CSS pixels.
pub fn picture_svg(root: &Element) -> Option<(String, f64, f64)> {
    let svg = picture_element(root)?;
    let rect = svg.get_bounding_client_rect();
    let (w, h) = (
        rect.width().round().max(1.0),
        rect.height().round().max(1.0),
    );
    let clone: Element = svg.clone_node_with_deep(true).ok()?.dyn_into().ok()?;
    let win = gloo::utils::window();
    inline_styles(&win, &svg, &clone, true);
    let (from, to) = (
        svg.query_selector_all("*").ok()?,
        clone.query_selector_all("*").ok()?,
    );
    for i in 0..from.length().min(to.length()) {
        let (Some(a), Some(b)) = (from.item(i), to.item(i)) else {
            continue;
        };
        if let (Ok(a), Ok(b)) = (a.dyn_into::<Element>(), b.dyn_into::<Element>()) {
            if a.tag_name() != "title" {
                inline_styles(&win, &a, &b, false);
            }
        }
    }
    let _ = clone.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let _ = clone.set_attribute("width", &w.to_string());
    let _ = clone.set_attribute("height", &h.to_string());
    // The page's background behind the drawing (the panel's, or the theme's paper).
    let bg = svg
        .closest(".panel")
        .ok()
        .flatten()
        .and_then(|p| win.get_computed_style(&p).ok().flatten())
        .and_then(|cs| cs.get_property_value("background-color").ok())
        .filter(|c| !c.is_empty() && c != "rgba(0, 0, 0, 0)")
        .unwrap_or_else(|| "#ffffff".into());
    if let Ok(rect) =
        gloo::utils::document().create_element_ns(Some("http://www.w3.org/2000/svg"), "rect")
    {
        let _ = rect.set_attribute("width", "100%");
        let _ = rect.set_attribute("height", "100%");
        let _ = rect.set_attribute("fill", &bg);
        let _ = clone.insert_before(&rect, clone.first_child().as_ref());
    }
    let text = web_sys::XmlSerializer::new()
        .ok()?
        .serialize_to_string(&clone)
        .ok()?;
    Some((
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n", text),
        w,
        h,
    ))
}

/// Draws `svg` (`w` × `h` CSS px) into a canvas at 2× and saves it as `name` (PNG). `done` gets
/// `Ok` once the file is handed to the browser, `Err` when the image could not be loaded (the
/// page's CSP refuses `blob:` images) or drawn.
pub fn download_png(name: String, svg: &str, w: f64, h: f64, done: Callback<Result<(), ()>>) {
    let Ok(img) = HtmlImageElement::new() else {
        done.emit(Err(()));
        return;
    };
    let url = Rc::new(ObjectUrl::from(Blob::new_with_options(
        svg,
        Some("image/svg+xml"),
    )));
    let src = url.to_string();
    let (ok, u) = (done.clone(), url.clone());
    let image = img.clone();
    EventListener::once(&img, "load", move |_| {
        let drawn = draw(&image, w, h, name, ok.clone());
        drop(u);
        if drawn.is_none() {
            ok.emit(Err(()));
        }
    })
    .forget();
    EventListener::once(&img, "error", move |_| {
        drop(url);
        done.emit(Err(()));
    })
    .forget();
    img.set_src(&src);
}

fn draw(
    img: &HtmlImageElement,
    w: f64,
    h: f64,
    name: String,
    done: Callback<Result<(), ()>>,
) -> Option<()> {
    let canvas: HtmlCanvasElement = gloo::utils::document()
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width((w * 2.0) as u32);
    canvas.set_height((h * 2.0) as u32);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.scale(2.0, 2.0).ok()?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, w, h)
        .ok()?;
    let on_blob = Closure::once_into_js(move |b: JsValue| match b.dyn_into::<web_sys::Blob>() {
        Ok(b) => {
            download_blob(&name, Blob::from(b));
            done.emit(Ok(()));
        }
        Err(_) => done.emit(Err(())),
    });
    canvas
        .to_blob_with_type(on_blob.unchecked_ref(), "image/png")
        .ok()
}
