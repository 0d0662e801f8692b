//! The ceiling for `bench/throughput`: a minimal actix-web server answering
//! "hello" on `GET /`, with the same worker count as Starling. Usage: hello ADDR

use actix_web::{web, App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    HttpServer::new(|| App::new().route("/", web::get().to(|| async { "hello" })))
        .bind(addr)?
        .run()
        .await
}
