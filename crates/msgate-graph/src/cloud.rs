//! Which Microsoft cloud a profile talks to. The sign-in host and the Graph host are chosen
//! together, because a token from one cloud's Entra is worthless at another cloud's Graph, and a
//! Graph token must never reach a host outside the cloud that issued it.

use std::fmt;
use std::str::FromStr;

use msgate_core::{Error, Result};
use reqwest::Url;

/// A Microsoft cloud, or custom endpoints such as the sandbox tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cloud {
    /// Microsoft's worldwide cloud.
    Global,
    /// US Government L4 (GCC High).
    UsGov,
    /// US Government L5 (DoD).
    UsGovDod,
    /// China, operated by 21Vianet.
    China,
    /// Any Graph-compatible endpoint pair, e.g. the sandbox tenant.
    Custom { graph: Url, login: Url },
}

/// (name, sign-in authority, Graph root, hosts that serve pre-authenticated content: SharePoint
/// and OneDrive downloads and uploads, Outlook's attachment upload sessions)
struct National {
    name: &'static str,
    login: &'static str,
    graph: &'static str,
    content_domains: &'static [&'static str],
}

const GLOBAL: National = National {
    name: "global",
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com/v1.0",
    content_domains: &[
        "sharepoint.com",
        "files.1drv.com",
        "svc.ms",
        "outlook.office.com",
        "outlook.office365.com",
    ],
};
const US_GOV: National = National {
    name: "usgov",
    login: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us/v1.0",
    content_domains: &["sharepoint.us", "outlook.office365.us"],
};
const US_GOV_DOD: National = National {
    name: "usgov-dod",
    login: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us/v1.0",
    content_domains: &["sharepoint-mil.us", "outlook-dod.office365.us"],
};
const CHINA: National = National {
    name: "china",
    login: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn/v1.0",
    content_domains: &["sharepoint.cn", "partner.outlook.cn"],
};

/// The names `--cloud` and the config accept.
pub const CLOUD_NAMES: &[&str] = &["global", "usgov", "usgov-dod", "china"];

impl Cloud {
    fn national(&self) -> Option<&'static National> {
        match self {
            Cloud::Global => Some(&GLOBAL),
            Cloud::UsGov => Some(&US_GOV),
            Cloud::UsGovDod => Some(&US_GOV_DOD),
            Cloud::China => Some(&CHINA),
            Cloud::Custom { .. } => None,
        }
    }

    /// Custom endpoints from two URLs, e.g. `MSGATE_GRAPH_URL` and `MSGATE_LOGIN_URL`.
    pub fn custom(graph: &str, login: &str) -> Result<Cloud> {
        Ok(Cloud::Custom {
            graph: parse_base(graph, "Graph URL")?,
            login: parse_base(login, "sign-in URL")?,
        })
    }

    /// The Graph root every request path is appended to, without a trailing slash.
    pub fn graph_url(&self) -> Url {
        match (self, self.national()) {
            (Cloud::Custom { graph, .. }, _) => graph.clone(),
            (_, Some(national)) => fixed_url(national.graph),
            (_, None) => fixed_url(GLOBAL.graph),
        }
    }

    /// The Entra authority (`…/{tenant}/oauth2/v2.0/…` goes below it).
    pub fn login_url(&self) -> Url {
        match (self, self.national()) {
            (Cloud::Custom { login, .. }, _) => login.clone(),
            (_, Some(national)) => fixed_url(national.login),
            (_, None) => fixed_url(GLOBAL.login),
        }
    }

    /// The scope prefix of Graph permissions in this cloud (`https://graph.microsoft.com/`).
    pub fn graph_resource(&self) -> String {
        match self {
            Cloud::Custom { .. } => "https://graph.microsoft.com/".to_owned(),
            _ => {
                let graph = self.graph_url();
                format!(
                    "{}://{}/",
                    graph.scheme(),
                    graph.host_str().unwrap_or_default()
                )
            }
        }
    }

    /// Whether a redirect from a Graph content endpoint may be followed to `url`. Such URLs are
    /// pre-authenticated: they are fetched without the Graph token, and only on the cloud's
    /// documented content hosts over HTTPS (or, for custom endpoints, on the Graph host itself).
    pub fn is_content_host(&self, url: &Url) -> bool {
        match self {
            Cloud::Custom { graph, .. } => same_origin(graph, url),
            _ => {
                let domains = self.national().map(|n| n.content_domains).unwrap_or(&[]);
                url.scheme() == "https"
                    && url.host_str().is_some_and(|host| {
                        let host = host.to_ascii_lowercase();
                        domains
                            .iter()
                            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
                    })
            }
        }
    }
}

/// Same scheme, host and port: the only URLs that may carry the Graph token.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// One of the built-in URLs above, which a unit test parses: they cannot fail at run time.
#[allow(clippy::expect_used)]
fn fixed_url(text: &str) -> Url {
    Url::parse(text).expect("built-in cloud URLs are valid")
}

fn parse_base(text: &str, what: &str) -> Result<Url> {
    let url = Url::parse(text.trim_end_matches('/'))
        .map_err(|e| Error::usage(format!("the {what} '{text}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(Error::usage(format!(
            "the {what} '{text}' must be an http(s) URL with a host"
        )));
    }
    let loopback = matches!(
        url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
    );
    if url.scheme() == "http" && !loopback {
        return Err(Error::usage(format!(
            "the {what} '{text}' must use https (plain http is allowed on loopback only)"
        )));
    }
    Ok(url)
}

impl FromStr for Cloud {
    type Err = Error;

    fn from_str(name: &str) -> Result<Cloud> {
        [&GLOBAL, &US_GOV, &US_GOV_DOD, &CHINA]
            .iter()
            .zip([Cloud::Global, Cloud::UsGov, Cloud::UsGovDod, Cloud::China])
            .find(|(national, _)| national.name.eq_ignore_ascii_case(name))
            .map(|(_, cloud)| cloud)
            .ok_or_else(|| {
                Error::usage(format!("unknown cloud '{name}'"))
                    .with_hint(format!("choose one of: {}", CLOUD_NAMES.join(", ")))
            })
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.national()) {
            (Cloud::Custom { graph, .. }, _) => write!(f, "custom ({graph})"),
            (_, Some(national)) => f.write_str(national.name),
            (_, None) => f.write_str("global"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_clouds_pair_their_sign_in_and_graph_hosts() {
        let pairs: Vec<(String, String)> = CLOUD_NAMES
            .iter()
            .map(|name| {
                let cloud: Cloud = name.parse().unwrap();
                (
                    cloud.login_url().host_str().unwrap().to_owned(),
                    cloud.graph_url().host_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("login.microsoftonline.com", "graph.microsoft.com"),
                ("login.microsoftonline.us", "graph.microsoft.us"),
                ("login.microsoftonline.us", "dod-graph.microsoft.us"),
                ("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(Cloud::Global.graph_url().path(), "/v1.0");
        assert!("mars".parse::<Cloud>().is_err());
    }

    #[test]
    fn content_hosts_are_the_clouds_own_over_https() {
        let ok = |u: &str| Cloud::Global.is_content_host(&Url::parse(u).unwrap());
        assert!(ok(
            "https://contoso.sharepoint.com/_layouts/15/download.aspx"
        ));
        assert!(ok("https://public.bn1.files.1drv.com/y4m"));
        assert!(ok(
            "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')"
        ));
        assert!(!ok("https://outlook.office.com.evil.example.invalid/x"));
        assert!(!ok("http://contoso.sharepoint.com/x"), "plain http");
        assert!(!ok("https://sharepoint.com.evil.example.invalid/x"));
        assert!(!ok("https://evilsharepoint.com/x"));
        assert!(!ok("https://graph.microsoft.us/x"));
        let china = Cloud::China;
        assert!(china.is_content_host(&Url::parse("https://a.sharepoint.cn/x").unwrap()));
        assert!(!china.is_content_host(&Url::parse("https://a.sharepoint.com/x").unwrap()));
    }

    #[test]
    fn custom_endpoints_are_their_own_content_host_and_need_https_off_loopback() {
        let cloud = Cloud::custom("http://127.0.0.1:8080/v1.0", "http://127.0.0.1:8080").unwrap();
        assert!(
            cloud.is_content_host(&Url::parse("http://127.0.0.1:8080/_sandbox/content/x").unwrap())
        );
        assert!(!cloud.is_content_host(&Url::parse("http://127.0.0.1:9090/x").unwrap()));
        assert!(
            Cloud::custom(
                "http://graph.example.invalid/v1.0",
                "https://login.example.invalid"
            )
            .is_err()
        );
        assert!(
            Cloud::custom(
                "https://graph.example.invalid/v1.0",
                "https://login.example.invalid"
            )
            .is_ok()
        );
        assert_eq!(cloud.graph_url().as_str(), "http://127.0.0.1:8080/v1.0");
    }
}
