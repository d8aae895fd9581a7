//! What every HTML answer shares, below the handlers and the guards that answer with pages: the
//! layout (CSRF token, flash, sign-out), rendering, forms' size, and whether a client wants HTML
//! at all. (The error page is one of the refusal's renderings: `refusal.rs`.)

use actix_web::cookie::Cookie;
use actix_web::error::{InternalError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::problem::{Code, Problem};
use crate::routes::kit::flash;
pub use crate::routes::kit::layout::{Layout, Page};
use crate::routes::kit::refusal::{Refusal, Rendering};
use crate::routes::kit::state::WebState;

/// The most a portal form may hold, read before the handler (for its CSRF token) and by it.
pub const FORM_LIMIT: usize = 256 * 1024;

const FORM_TOO_LARGE: &str = "The form is larger than 256 KiB, so it was not read.";
const FORM_TOO_LARGE_HINT: &str =
    "A public key PEM is under 200 bytes and a token under 64 KiB: check what was pasted.";

/// How portal forms are read: at most [`FORM_LIMIT`]; a script posting one too large gets the
/// API's JSON error, a browser the page.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|err, request| match err {
            UrlencodedError::Overflow { .. } => too_large(request),
            other => Refusal::invalid_request(
                format!("The form could not be read: {other}."),
                "Go back and check the form.",
            )
            .into(),
        })
}

/// The refusal of a form over [`FORM_LIMIT`], as this client wants it (a page or the API's
/// JSON), already rendered: its family does not render it again.
pub fn too_large(request: &HttpRequest) -> actix_web::Error {
    InternalError::from_response("form too large", too_large_response(request)).into()
}

pub fn too_large_response(request: &HttpRequest) -> HttpResponse {
    let refusal = Refusal::Rejected(Problem::new(
        Code::PayloadTooLarge,
        FORM_TOO_LARGE,
        FORM_TOO_LARGE_HINT,
    ));
    refusal.respond(if accepts_html(request) {
        Rendering::Page
    } else {
        Rendering::Json
    })
}

/// Whether the client is a browser that wants a page rather than JSON.
pub fn accepts_html(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Layout for a page, plus the cookies the response must carry (new CSRF cookie, flash removal).
pub fn layout(
    request: &HttpRequest,
    state: &WebState,
    page: Page,
) -> (Layout, Vec<Cookie<'static>>) {
    let (csrf_token, csrf_cookie) = crate::routes::kit::csrf::issue(request, &state.portal_secret);
    let (flash, flash_removal) = flash::take(request, &state.portal_secret);
    let cookies = csrf_cookie.into_iter().chain(flash_removal).collect();
    (
        Layout {
            page: Some(page),
            csrf_token,
            flash,
            signed_in: state.access.is_some() && page != Page::Login,
        },
        cookies,
    )
}

pub fn render(
    template: &impl Template,
    status: StatusCode,
    cookies: Vec<Cookie<'static>>,
) -> Result<HttpResponse, Refusal> {
    let html = template
        .render()
        .map_err(|e| Refusal::Internal(anyhow::Error::new(e).context("rendering a page")))?;
    let mut response = HttpResponse::build(status);
    for cookie in cookies {
        response.cookie(cookie);
    }
    Ok(response.content_type(ContentType::html()).body(html))
}

/// A page in the shared layout: `build` gets the layout (CSRF token, flash) and makes the page.
pub fn render_page<T: Template>(
    request: &HttpRequest,
    state: &WebState,
    name: Page,
    status: StatusCode,
    build: impl FnOnce(Layout) -> T,
) -> Result<HttpResponse, Refusal> {
    let (layout, cookies) = layout(request, state, name);
    render(&build(layout), status, cookies)
}

/// `text` as pieces to show on a page: `(true, code)` for each span the API's messages quote in
/// backticks (commands, headers, values; plain text in the API, where backticks read as they
/// are), `(false, text)` for the rest. A backtick without its pair stays as it is. Templates
/// render the pieces (`macros.html`, `prose`), so every piece is still escaped.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(length) = rest[open + 1..].find('`') else {
            break;
        };
        if open > 0 {
            pieces.push((false, &rest[..open]));
        }
        let code = &rest[open + 1..open + 1 + length];
        if code.is_empty() {
            pieces.push((false, "``"));
        } else {
            pieces.push((true, code));
        }
        rest = &rest[open + length + 2..];
    }
    if !rest.is_empty() {
        pieces.push((false, rest));
    }
    pieces
}

/// Code as pieces for a `<pre>` that wraps on small screens: `(true, word)` for each word short
/// enough to fit on a line, which the page keeps whole (`<span class="nb">`: a browser would
/// otherwise break `-pubout` after its hyphen), `(false, text)` for the spaces and line breaks
/// between, and for longer words (a token, a PEM line), which may break anywhere.
pub fn code_words(text: &str) -> Vec<(bool, &str)> {
    const KEEP_WHOLE_CHARS: usize = 25;
    let mut pieces = Vec::new();
    let mut start = 0;
    for (index, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if !c.is_whitespace() {
            continue;
        }
        if index > start {
            let word = &text[start..index];
            pieces.push((word.chars().count() <= KEEP_WHOLE_CHARS, word));
        }
        if index < text.len() {
            pieces.push((false, &text[index..index + c.len_utf8()]));
        }
        start = index + c.len_utf8();
    }
    pieces
}

/// A label as the page shows it, in pieces: `(true, marks)` for whitespace at either end,
/// drawn as visible marks (`␠` a space, `⇥` a tab, `·` any other), `(false, text)` for the rest.
/// A label "email " must not read as "email": the difference decides whether it matches (#32).
pub fn edge_whitespace(text: &str) -> Vec<(bool, String)> {
    let marks = |ws: &str| -> String {
        ws.chars()
            .map(|c| match c {
                ' ' => '␠',
                '\t' => '⇥',
                _ => '·',
            })
            .collect()
    };
    let body = text.trim();
    if body.is_empty() {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![(true, marks(text))]
        };
    }
    let start = text.len() - text.trim_start().len();
    let end = start + body.len();
    let mut pieces = Vec::new();
    if start > 0 {
        pieces.push((true, marks(&text[..start])));
    }
    pieces.push((false, body.to_owned()));
    if end < text.len() {
        pieces.push((true, marks(&text[end..])));
    }
    pieces
}

#[cfg(test)]
mod edge_whitespace_tests {
    use super::edge_whitespace;

    #[test]
    fn whitespace_at_the_ends_of_a_label_is_made_visible() {
        assert_eq!(edge_whitespace("email"), [(false, "email".to_owned())]);
        assert_eq!(
            edge_whitespace(" email\t"),
            [
                (true, "␠".to_owned()),
                (false, "email".to_owned()),
                (true, "⇥".to_owned())
            ]
        );
        assert_eq!(
            edge_whitespace("first name "),
            [(false, "first name".to_owned()), (true, "␠".to_owned())]
        );
        assert_eq!(edge_whitespace("  "), [(true, "␠␠".to_owned())]);
        assert!(edge_whitespace("").is_empty());
    }
}

#[cfg(test)]
mod code_span_tests {
    use super::code_spans;

    #[test]
    fn backtick_pairs_become_code_and_the_rest_stays_text() {
        assert_eq!(
            code_spans("Run `openssl dgst -sign` then `$(…)`."),
            [
                (false, "Run "),
                (true, "openssl dgst -sign"),
                (false, " then "),
                (true, "$(…)"),
                (false, ".")
            ]
        );
        assert_eq!(code_spans("no code"), [(false, "no code")]);
        assert_eq!(code_spans("one ` alone"), [(false, "one ` alone")]);
        assert_eq!(
            code_spans("`a` and ` b"),
            [(true, "a"), (false, " and ` b")]
        );
        assert_eq!(code_spans(""), Vec::<(bool, &str)>::new());
    }

    #[test]
    fn words_that_fit_are_kept_whole_and_nothing_is_lost() {
        let text = "openssl ec -pubout\n  | sign eyJhbGciOiJFUzI1NiJ9.W3sibGFiZWwiOi";
        let pieces = super::code_words(text);
        assert_eq!(pieces.iter().map(|(_, p)| *p).collect::<String>(), text);
        let whole: Vec<&str> = pieces.iter().filter(|(w, _)| *w).map(|(_, p)| *p).collect();
        assert_eq!(whole, ["openssl", "ec", "-pubout", "|", "sign"]);
        assert_eq!(super::code_words(""), Vec::<(bool, &str)>::new());
    }
}
