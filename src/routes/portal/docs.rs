//! `/docs/signing`: minimal signers for common backends, and how to hand the result to the
//! widget safely. Every snippet is a file under docs/snippets/ (or examples/) that the test suite
//! runs against the emulator, so nothing on this page is untested.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::{Layout, Refusal, render_page};
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;

pub struct Snippet {
    pub id: &'static str,
    pub title: &'static str,
    pub run: &'static str,
    pub code: &'static str,
}

pub const SNIPPETS: &[Snippet] = &[
    Snippet {
        id: "php",
        title: "PHP (openssl extension, DER → R||S by hand)",
        run: "php sign.php ec_private.pem",
        code: include_str!("../../../docs/snippets/sign.php"),
    },
    Snippet {
        id: "node",
        title: "Node.js with jose",
        run: "npm install jose && node sign.mjs ec_private.pem",
        code: include_str!("../../../docs/snippets/sign.mjs"),
    },
    Snippet {
        id: "python",
        title: "Python with PyJWT",
        run: "pip install 'PyJWT[crypto]' && python3 sign.py ec_private.pem",
        code: include_str!("../../../docs/snippets/sign.py"),
    },
    Snippet {
        id: "rust",
        title: "Rust with jsonwebtoken (PKCS#8 key)",
        run: "openssl pkcs8 -topk8 -nocrypt -in ec_private.pem -out ec_private_pkcs8.pem && cargo run -- ec_private_pkcs8.pem",
        code: include_str!("../../../examples/sign.rs"),
    },
    Snippet {
        id: "openssl",
        title: "openssl CLI only (shell)",
        run: "sh sign.sh ec_private.pem",
        code: include_str!("../../../docs/snippets/sign.sh"),
    },
];

pub const WIDGET_SNIPPET: &str = include_str!("../../../docs/snippets/widget.php");

#[derive(Template)]
#[template(path = "docs_signing.html")]
struct DocsPage {
    layout: Layout,
    snippets: &'static [Snippet],
    widget: &'static str,
}

pub async fn signing(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    render_page(&request, &state, Page::Docs, StatusCode::OK, |layout| {
        DocsPage {
            layout,
            snippets: SNIPPETS,
            widget: WIDGET_SNIPPET,
        }
    })
}
