//! `/demo`: a chat page that loads the widget shim and shows what the agent would see.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::{Layout, Refusal, layout, render};
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage {
    layout: Layout,
    shim_url: String,
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let shim_url = format!(
        "{}/static/talkative-engage.js",
        ServedOrigin::of(&request).url()
    );
    let (layout, cookies) = layout(&request, &state, Page::Demo);
    render(&DemoPage { layout, shim_url }, StatusCode::OK, cookies)
}
