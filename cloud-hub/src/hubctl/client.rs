//! The hub API as `hubctl` calls it: JSON over HTTP with an API key, and the
//! hub's problem JSON turned into an error that says what was wrong.

use pos_shared::problem::Problem;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach the hub at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{0}")]
    Api(Box<Refusal>),
    #[error("{0}")]
    File(String),
}

/// A request the hub answered with an error.
#[derive(Debug)]
pub struct Refusal {
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    /// The hub's problem JSON, when the answer had one.
    pub problem: Option<Problem>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.method, self.path, self.status)?;
        match &self.problem {
            Some(p) => match &p.field {
                Some(field) => write!(f, ": {field}: {}", p.detail),
                None => write!(f, ": {}", p.detail),
            },
            None => Ok(()),
        }
    }
}

impl CliError {
    /// The problem the hub answered with, if it answered with one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            CliError::Api(refusal) => refusal.problem.as_ref(),
            _ => None,
        }
    }
}

/// A hub at `base`, called with one credential (an HQ API key or the admin token).
#[derive(Clone)]
pub struct Client {
    base: String,
    bearer: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str, bearer: Option<String>) -> Result<Client, CliError> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(concat!("hubctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Usage(format!("cannot set up HTTP: {e}")))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            bearer,
            http,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        self.call(Method::GET, path, None::<&()>).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// Starts a request without reading its answer (for streams).
    pub async fn open(
        &self,
        path: &str,
        headers: &[(&str, String)],
    ) -> Result<reqwest::Response, CliError> {
        let mut request = self.request(Method::GET, path);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Self::refusal(Method::GET, path, response).await)
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, CliError> {
        let mut request = self.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::refusal(method, path, response).await);
        }
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        // A 204 reads as JSON null, for callers that expect `()` or `Option`.
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes).map_err(|e| {
            CliError::Api(Box::new(Refusal {
                method,
                path: path.to_owned(),
                status,
                problem: Some(Problem {
                    kind: "unexpected_answer".into(),
                    title: "Unexpected answer".into(),
                    status: status.as_u16(),
                    detail: format!("the hub's answer is not what hubctl expects: {e}"),
                    field: None,
                }),
            }))
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    fn unreachable(&self, source: reqwest::Error) -> CliError {
        CliError::Unreachable {
            url: self.base.clone(),
            source,
        }
    }

    async fn refusal(method: Method, path: &str, response: reqwest::Response) -> CliError {
        let status = response.status();
        let problem = response.json::<Problem>().await.ok();
        CliError::Api(Box::new(Refusal {
            method,
            path: path.to_owned(),
            status,
            problem,
        }))
    }
}
