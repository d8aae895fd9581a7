//! A panic anywhere in the app (a handler, a middleware, routing) answers `500 internal_error`
//! JSON and is logged, instead of dropping the connection with no response, which is what actix
//! does when a request's future panics. Our handlers are written not to panic on any input; this
//! is the net under that promise, so a bug shows up as a coded answer a test can read, never as
//! a hung-up socket.
//!
//! It wraps the whole `App` service, below routing (`startup.rs`): a middleware inside the App
//! cannot do it, because answering needs an `HttpRequest` and actix's router mutates the
//! request in place (`Rc::get_mut`) until a handler runs, so it cannot be kept aside.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Response, Service, ServiceResponse};

use crate::domain::problem::{Code, Problem};
use crate::routes::kit::refusal::Refusal;

/// For `actix_service::apply_fn_factory` over the App: calls the app, and turns a panic while
/// serving the request into a 500.
pub fn answer_panics_with_500<S, B>(
    request: actix_http::Request,
    app: &S,
) -> impl Future<Output = Result<Response<EitherBody<B>>, actix_web::Error>> + use<S, B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    // For the log line only; both are reference-counted, not copied.
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let call = app.call(request);
    async move {
        let mut call = pin!(call);
        // The future is never polled again after it panicked, so whatever state it was left in
        // is never observed: unwind safety holds for this use.
        let outcome =
            poll_fn(
                |cx| match catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                    Err(payload) => Poll::Ready(Err(payload)),
                },
            )
            .await;
        match outcome {
            Ok(result) => result.map(|response| Response::from(response.map_into_left_body())),
            Err(payload) => {
                tracing::error!(
                    %method,
                    path = uri.path(),
                    panic = panic_message(payload.as_ref()),
                    "serving a request panicked; answered 500"
                );
                let mut response = Refusal::Rejected(Problem::new(
                    Code::InternalError,
                    "The emulator hit an unexpected error.",
                    "This is a bug in the emulator: please report the request that caused it. \
                     The server log has the details; the server keeps running.",
                ))
                .error_response();
                super::security_headers::add_to(response.headers_mut());
                Ok(Response::from(response).map_body(|_, body| EitherBody::right(body)))
            }
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, HttpServer, web};

    use super::answer_panics_with_500;

    async fn boom() -> HttpResponse {
        panic!("a bug")
    }

    /// Over real HTTP, as a client sees it: a panicking handler answers 500 JSON with the
    /// security headers, the connection is not dropped, and the server keeps serving.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_json_and_the_server_goes_on() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(|| {
            let app = App::new().route("/boom", web::get().to(boom)).route(
                "/fine",
                web::get().to(|| async { HttpResponse::Ok().body("fine") }),
            );
            actix_service::apply_fn_factory(app, answer_panics_with_500)
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        let client = reqwest::Client::new();
        for _ in 0..3 {
            let response = client.get(format!("{base}/boom")).send().await.unwrap();
            assert_eq!(response.status(), 500);
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "internal_error");
            assert!(body["error"]["hint"].as_str().unwrap().contains("bug"));
            let fine = client.get(format!("{base}/fine")).send().await.unwrap();
            assert_eq!(fine.text().await.unwrap(), "fine");
        }
    }
}
