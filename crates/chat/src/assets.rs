//! The pages and scripts, compiled into the binary: no build step, no file lookup.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const WIDGET_JS: &str = include_str!("../assets/widget.js");
const DEMO_HTML: &str = include_str!("../assets/demo.html");
const AGENT_HTML: &str = include_str!("../assets/agent.html");
const AGENT_JS: &str = include_str!("../assets/agent.js");
const SUPERVISOR_HTML: &str = include_str!("../assets/supervisor.html");
const SUPERVISOR_JS: &str = include_str!("../assets/supervisor.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const COMMON_JS: &str = include_str!("../assets/common.js");
const MESSAGES_JS: &str = include_str!("../assets/messages.js");

fn serve(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

const JS: &str = "text/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// `/widget.js`.
pub(crate) async fn widget() -> Response {
    serve(JS, WIDGET_JS)
}

/// `/demo`: a page embedding the widget.
pub(crate) async fn demo() -> Response {
    serve(HTML, DEMO_HTML)
}

/// `/agent`: the agent desktop.
pub(crate) async fn agent_page() -> Response {
    serve(HTML, AGENT_HTML)
}

/// `/supervisor`: the dashboard.
pub(crate) async fn supervisor_page() -> Response {
    serve(HTML, SUPERVISOR_HTML)
}

/// `/chat/assets/{name}`: scripts and styles of the pages.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "agent.js" => serve(JS, AGENT_JS),
        "supervisor.js" => serve(JS, SUPERVISOR_JS),
        "common.js" => serve(JS, COMMON_JS),
        "messages.js" => serve(JS, MESSAGES_JS),
        "app.css" => serve("text/css; charset=utf-8", APP_CSS),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
