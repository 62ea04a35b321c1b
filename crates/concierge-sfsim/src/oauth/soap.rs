//! The partner SOAP `login` call (`POST /services/Soap/u/{version}`), which
//! simple-salesforce and jsforce use for username + password (+ security
//! token) when no connected app is configured. Only `login` is understood;
//! the session it returns is an ordinary access token for REST.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::grants::{check_password, find_user, session_of};
use crate::server::SimState;

/// Largest SOAP envelope accepted.
const MAX_ENVELOPE_BYTES: usize = 64 * 1024;

/// The text of the first `<…username>` / `<…password>` element.
fn element(xml: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = xml[from..].find(name) {
        let at = from + i;
        let before = xml[..at].chars().last();
        let after = xml[at + name.len()..].chars().next();
        if matches!(before, Some('<') | Some(':')) && after == Some('>') {
            let start = at + name.len() + 1;
            let end = start + xml[start..].find("</")?;
            return Some(unescape(&xml[start..end]));
        }
        from = at + name.len();
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
             xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             xmlns=\"urn:partner.soap.sforce.com\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
        ),
    )
        .into_response()
}

fn fault(code: &str, message: &str) -> Response {
    xml(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "<soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {}</faultstring>\
             <detail><sf:LoginFault xmlns:sf=\"urn:fault.partner.soap.sforce.com\" xsi:type=\"sf:LoginFault\">\
             <sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{}</sf:exceptionMessage>\
             </sf:LoginFault></detail></soapenv:Fault>",
            escape(message),
            escape(message)
        ),
    )
}

/// `POST /services/Soap/u/{version}`: the `login` call.
pub(super) async fn login(
    State(state): State<SimState>,
    Path(version): Path<String>,
    body: Bytes,
) -> Response {
    let invalid = || {
        fault(
            "INVALID_LOGIN",
            "Invalid username, password, security token; or user locked out.",
        )
    };
    if body.len() > MAX_ENVELOPE_BYTES {
        return invalid();
    }
    let text = String::from_utf8_lossy(&body);
    if !text.contains("login") {
        return fault("UNKNOWN_EXCEPTION", "Only the login call is simulated.");
    }
    let (Some(username), Some(password)) = (element(&text, "username"), element(&text, "password"))
    else {
        return invalid();
    };
    let Some(user) = check_password(&state, &username, &password) else {
        return invalid();
    };
    let session = session_of(&state, &user);
    let token = state.sessions.issue(session.clone(), None);
    let base = &session.instance_url;
    let org = &session.org_id;
    let full = find_user(&state, &user.username).map_or(String::new(), |u| u.name);
    let lifetime = state.config.session_lifetime.as_secs();
    xml(
        StatusCode::OK,
        format!(
            "<loginResponse><result>\
             <metadataServerUrl>{base}/services/Soap/m/{version}/{org}</metadataServerUrl>\
             <passwordExpired>false</passwordExpired><sandbox>false</sandbox>\
             <serverUrl>{base}/services/Soap/u/{version}/{org}</serverUrl>\
             <sessionId>{token}</sessionId><userId>{uid}</userId>\
             <userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>$</currencySymbol>\
             <orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>\
             <organizationId>{org}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>\
             <organizationName>{org_name}</organizationName><sessionSecondsValid>{lifetime}</sessionSecondsValid>\
             <userEmail>{email}</userEmail><userFullName>{full}</userFullName><userId>{uid}</userId>\
             <userLanguage>{lang}</userLanguage><userLocale>{lang}</userLocale><userName>{uname}</userName>\
             <userTimeZone>{tz}</userTimeZone><userType>Standard</userType></userInfo>\
             </result></loginResponse>",
            uid = session.user_id,
            org_name = escape(&state.db.org_name()),
            email = escape(&user.email),
            full = escape(&full),
            lang = escape(&user.language),
            uname = escape(&user.username),
            tz = escape(&user.time_zone),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_and_plain_elements() {
        let x = "<n1:login><n1:username>a&amp;b@x.com</n1:username><password>pw&lt;1</password></n1:login>";
        assert_eq!(element(x, "username").as_deref(), Some("a&b@x.com"));
        assert_eq!(element(x, "password").as_deref(), Some("pw<1"));
        assert_eq!(element("<usernames>x</usernames>", "username"), None);
    }
}
