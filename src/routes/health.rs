use actix_web::HttpResponse;
use serde::Serialize;

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}
