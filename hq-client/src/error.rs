//! What can go wrong calling the hub, said so a person can act on it: the hub
//! could not be reached, it refused (with its status and problem body), or it
//! answered with something this client does not understand.

use pos_shared::problem::Problem;
use reqwest::{Method, StatusCode};

/// A call to the hub that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// The HTTP client could not be built (a TLS set-up failure, say).
    #[error("cannot set up HTTP: {0}")]
    Setup(#[source] reqwest::Error),
    /// No answer: the hub is down, the address is wrong, the link broke.
    #[error("cannot reach the hub at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The hub answered with an error status.
    #[error("{0}")]
    Refused(Box<Refusal>),
    /// The hub answered with success, but not with what the call expects.
    #[error("{method} {path}: {status}: the hub's answer is not what was expected: {detail}")]
    UnexpectedAnswer {
        method: Method,
        path: String,
        status: StatusCode,
        detail: String,
    },
}

/// A request the hub answered with an error status.
#[derive(Debug)]
pub struct Refusal {
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    /// The hub's problem JSON (`type`, `detail`, `field`), when the answer had one.
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

impl HqError {
    /// The status the hub answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            HqError::Refused(r) => Some(r.status),
            HqError::UnexpectedAnswer { status, .. } => Some(*status),
            HqError::Setup(_) | HqError::Unreachable { .. } => None,
        }
    }

    /// The problem the hub answered with, if it answered with one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            HqError::Refused(r) => r.problem.as_ref(),
            _ => None,
        }
    }

    /// The problem, to be reworded (a caller naming the field in its own terms).
    pub fn problem_mut(&mut self) -> Option<&mut Problem> {
        match self {
            HqError::Refused(r) => r.problem.as_mut(),
            _ => None,
        }
    }

    /// The problem's stable `type`, such as `invalid_field`.
    pub fn kind(&self) -> Option<&str> {
        self.problem().map(|p| p.kind.as_str())
    }

    /// Whether the hub refused (as opposed to not answering): asking again
    /// the same way will get the same answer.
    pub fn is_refusal(&self) -> bool {
        matches!(self, HqError::Refused(_))
    }
}

pub type HqResult<T> = Result<T, HqError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(field: Option<&str>) -> HqError {
        HqError::Refused(Box::new(Refusal {
            method: Method::POST,
            path: "/v1/stores".into(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Some(Problem {
                kind: "invalid_field".into(),
                title: "Invalid field".into(),
                status: 422,
                detail: "must not be empty".into(),
                field: field.map(str::to_owned),
                tries_left: None,
                resume_after: None,
            }),
        }))
    }

    #[test]
    fn a_refusal_names_the_call_the_status_and_the_field() {
        assert_eq!(
            refusal(Some("code")).to_string(),
            "POST /v1/stores: 422 Unprocessable Entity: code: must not be empty"
        );
        assert_eq!(
            refusal(None).to_string(),
            "POST /v1/stores: 422 Unprocessable Entity: must not be empty"
        );
        let e = refusal(None);
        assert_eq!(e.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(e.kind(), Some("invalid_field"));
        assert!(e.is_refusal());
    }
}
