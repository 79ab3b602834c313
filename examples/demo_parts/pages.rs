//! The demo's HTML: the login and reauth forms, and flashed messages.

use axum_sesame::Flash;

pub(crate) fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

pub(crate) fn flashes_html(flashes: &[Flash]) -> String {
    flashes
        .iter()
        .map(|f| {
            format!(
                "<p class=\"flash {}\">{}</p>\n",
                escape(&f.category),
                html_escape::encode_text(&f.message)
            )
        })
        .collect()
}

pub(crate) fn next_input(next: Option<&str>) -> String {
    next.map(|n| {
        format!(
            "<input type=\"hidden\" name=\"next\" value=\"{}\">\n",
            escape(n)
        )
    })
    .unwrap_or_default()
}

pub(crate) fn login_form(flashes: &[Flash], next: Option<&str>, error: Option<&str>) -> String {
    format!(
        "<!doctype html>\n<title>Log in</title>\n{}{}<form method=\"post\" action=\"/login\">\n\
         <input type=\"email\" name=\"email\" placeholder=\"email\">\n\
         <input type=\"password\" name=\"pw\" placeholder=\"password\">\n\
         <label><input type=\"checkbox\" name=\"remember\" value=\"on\"> Remember me</label>\n\
         {}<input type=\"submit\" value=\"Log in\">\n</form>\n",
        flashes_html(flashes),
        error
            .map(|e| format!("<p class=\"error\">{e}</p>\n"))
            .unwrap_or_default(),
        next_input(next),
    )
}

pub(crate) fn reauth_form(flashes: &[Flash], next: Option<&str>, error: Option<&str>) -> String {
    format!(
        "<!doctype html>\n<title>Confirm your password</title>\n{}{}\
         <form method=\"post\" action=\"/reauth\">\n\
         <input type=\"password\" name=\"pw\" placeholder=\"password\">\n\
         {}<input type=\"submit\" value=\"Confirm\">\n</form>\n",
        flashes_html(flashes),
        error
            .map(|e| format!("<p class=\"error\">{e}</p>\n"))
            .unwrap_or_default(),
        next_input(next),
    )
}
