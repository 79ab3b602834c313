//! The demo's `/sessions` pages: where the user is logged in, and ending sessions
//! (demo-spec.md, "Routes"; SECURITY.md R42).

use super::*;

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the epoch (no date crate for one line).
fn utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm), for dates after 1970.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[login_required]
pub(super) async fn sessions_page(
    user: CurrentUser<DemoUser>,
    auth: Auth<DemoUser>,
    session: Session,
) -> Response {
    let list = match auth.sessions().await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let rows: String = list
        .iter()
        .map(|s| {
            format!(
                "<li class=\"session\" data-session-id=\"{id}\"{current}>\
                 <span class=\"ua\">{ua}</span> started <time class=\"started\">{started}</time>, \
                 last used <time class=\"last-used\">{last}</time>{this}\n\
                 <form method=\"post\" action=\"/sessions/revoke\">\
                 <input type=\"hidden\" name=\"id\" value=\"{id}\">\
                 <input type=\"submit\" value=\"End\"></form></li>\n",
                id = escape(&s.id),
                current = if s.current { " data-current" } else { "" },
                ua = html_escape::encode_text(s.user_agent.as_deref().unwrap_or("unknown")),
                started = utc(s.started),
                last = utc(s.last_used),
                this = if s.current { " (this session)" } else { "" },
            )
        })
        .collect();
    Html(format!(
        "<!doctype html>\n<title>Your sessions</title>\n{}<h1>Sessions of {}</h1>\n<ul>\n{rows}</ul>\n\
         <form method=\"post\" action=\"/sessions/revoke-others\">\
         <input type=\"submit\" value=\"Log out everywhere else\"></form>\n",
        flashes_html(&session.take_flashes()),
        html_escape::encode_text(&user.email),
    ))
    .into_response()
}

#[login_required]
pub(super) async fn revoke_session(
    user: CurrentUser<DemoUser>,
    auth: Auth<DemoUser>,
    client: ClientAddr,
    Form(f): Form<Pairs>,
) -> Response {
    let id = first(&f, "id").unwrap_or("");
    match auth.revoke_session(id).await {
        Ok(true) => {
            // Its own id logged this client out.
            let own = auth.session_user_id().is_none();
            tracing::info!(target: "demo::audit", email = %user.email, client = %client, own,
                "session revoked");
            axum::response::Redirect::to(if own { "/login" } else { "/sessions" }).into_response()
        }
        Ok(false) => (StatusCode::NOT_FOUND, "No such session").into_response(),
        Err(e) => e.into_response(),
    }
}

#[login_required]
pub(super) async fn revoke_other_sessions(
    user: CurrentUser<DemoUser>,
    auth: Auth<DemoUser>,
    client: ClientAddr,
    State(db): State<Db>,
) -> Response {
    // Store mode deletes the other records; the epoch reaches cookie mode's cookies too.
    if let Err(e) = auth.revoke_other_sessions().await {
        return e.into_response();
    }
    match db.bump_epoch(&user.email).await {
        Ok(Some(updated)) => {
            auth.update_session_auth_hash(&updated);
            tracing::info!(target: "demo::audit", email = %user.email, client = %client,
                "other sessions revoked");
            axum::response::Redirect::to("/sessions").into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(target: "demo", %error, "epoch update failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
