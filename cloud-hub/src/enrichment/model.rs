//! Language models as enrichers: the [`LanguageModel`] trait the worker asks
//! beside the rules, and [`OpenAiCompatible`], a client for any HTTP API
//! that speaks OpenAI's chat completions (OpenAI, Azure OpenAI, a local
//! llama.cpp or vLLM server). Off unless `[enrichment] model_url` is set.
//!
//! The model is told the item as JSON and asked for a JSON object of
//! suggestions; what comes back is checked field by field like HQ's own
//! edits (a name of 1 to 200 characters, a pack, up to 20 synonyms, a
//! scalar attribute), and anything else is dropped, so a model can never
//! make a proposal HQ could not make by hand.

use super::Suggestion;
use pos_shared::sync::VariantRecord;
use pos_shared::Secret;
use serde_json::{json, Value};
use std::time::Duration;

/// Why a model gave no suggestions.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model's API could not be reached: {0}")]
    Unreachable(String),
    #[error("the model's API answered {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("the model's answer is not what was asked for: {0}")]
    Garbled(String),
}

/// An enricher behind a language model.
#[async_trait::async_trait]
pub trait LanguageModel: Send + Sync {
    /// How its proposals name it: `model:<name>`.
    fn name(&self) -> &str;
    /// What it would change about the item.
    async fn suggest(&self, record: &VariantRecord) -> Result<Vec<Suggestion>, ModelError>;
}

/// Where the model is (`[enrichment]`).
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The API's base, such as `https://api.openai.com/v1`; requests go to
    /// `<base>/chat/completions`.
    pub url: String,
    pub model: String,
    /// Sent as a bearer token, if set.
    pub key: Option<Secret>,
    pub timeout: Duration,
}

/// A client for an OpenAI-compatible chat completions API.
pub struct OpenAiCompatible {
    client: reqwest::Client,
    config: ModelConfig,
}

/// What the model is asked to do.
const INSTRUCTIONS: &str = "You improve grocery catalog entries for Indian stores. \
Given an item as JSON, answer with a JSON object {\"suggestions\": [...]}, each suggestion \
{\"field\", \"value\", \"confidence\", \"reason\"}. field is one of: \"name\" (a clean title, \
brand first, size as \"500 g\", \"1 l\"), \"pack\" ({\"size\": \"500\", \"unit\": \"g\"|\"kg\"|\"ml\"|\"l\"}), \
\"synonyms\" (the whole list: words shoppers use for it, English, Hinglish or Hindi), or \
\"attributes.<key>\" (a string, number or true/false, such as attributes.diet = \"veg\" or \"non-veg\"). \
confidence is 0 to 1. Suggest only what you are sure of; an empty list is a fine answer.";

impl OpenAiCompatible {
    pub fn new(config: ModelConfig) -> Result<Self, ModelError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| ModelError::Unreachable(e.to_string()))?;
        Ok(OpenAiCompatible { client, config })
    }
}

#[async_trait::async_trait]
impl LanguageModel for OpenAiCompatible {
    fn name(&self) -> &str {
        &self.config.model
    }

    async fn suggest(&self, record: &VariantRecord) -> Result<Vec<Suggestion>, ModelError> {
        let item = json!({
            "name": record.name,
            "brand": record.placement.brand,
            "synonyms": record.placement.synonyms,
            "pack": record.details.pack,
            "unit": record.details.unit,
            "attributes": record.details.attributes,
        });
        let body = json!({
            "model": self.config.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": item.to_string()},
            ],
        });
        let url = format!("{}/chat/completions", self.config.url.trim_end_matches('/'));
        let mut request = self.client.post(url).json(&body);
        if let Some(key) = &self.config.key {
            request = request.bearer_auth(key.expose());
        }
        let answer = request
            .send()
            .await
            .map_err(|e| ModelError::Unreachable(e.to_string()))?;
        let status = answer.status();
        let text = answer
            .text()
            .await
            .map_err(|e| ModelError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            return Err(ModelError::Refused {
                status: status.as_u16(),
                body: text.chars().take(300).collect(),
            });
        }
        let reply: Value =
            serde_json::from_str(&text).map_err(|e| ModelError::Garbled(e.to_string()))?;
        let content = reply["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| ModelError::Garbled("no choices[0].message.content".into()))?;
        let content: Value = serde_json::from_str(content)
            .map_err(|e| ModelError::Garbled(format!("content is not JSON: {e}")))?;
        let list = content["suggestions"]
            .as_array()
            .ok_or_else(|| ModelError::Garbled("no suggestions list".into()))?;
        Ok(list.iter().filter_map(checked).collect())
    }
}

/// A suggestion the model made, if it is one HQ could make by hand.
fn checked(raw: &Value) -> Option<Suggestion> {
    let field = raw["field"].as_str()?.trim();
    let value = raw["value"].clone();
    let fits = match field {
        "name" => value
            .as_str()
            .is_some_and(|n| !n.trim().is_empty() && n.chars().count() <= 200),
        "pack" => serde_json::from_value::<pos_shared::item::Pack>(value.clone())
            .is_ok_and(|p| p.size.is_positive()),
        "synonyms" => value.as_array().is_some_and(|words| {
            words.len() <= pos_shared::catalog::MAX_SYNONYMS
                && words.iter().all(|w| {
                    w.as_str()
                        .is_some_and(|w| !w.trim().is_empty() && w.chars().count() <= 60)
                })
        }),
        _ => field.strip_prefix("attributes.").is_some_and(|key| {
            !key.trim().is_empty()
                && key.chars().count() <= 60
                && (value.is_string() || value.is_number() || value.is_boolean())
        }),
    };
    if !fits {
        return None;
    }
    let confidence = raw["confidence"].as_f64().unwrap_or(0.5).clamp(0.0, 1.0);
    let reason = raw["reason"]
        .as_str()
        .unwrap_or("suggested by the model")
        .chars()
        .take(200)
        .collect();
    Some(Suggestion {
        field: field.to_owned(),
        proposed: value,
        confidence,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_suggestions_hq_could_make_are_kept() {
        let kept = |v: Value| checked(&v).map(|s| s.field);
        assert_eq!(
            kept(json!({"field": "name", "value": "Toor Dal 1 kg"})),
            Some("name".into())
        );
        assert_eq!(kept(json!({"field": "name", "value": ""})), None);
        assert_eq!(kept(json!({"field": "price", "value": 1})), None);
        assert_eq!(
            kept(json!({"field": "pack", "value": {"size": "500", "unit": "g"}})),
            Some("pack".into())
        );
        assert_eq!(
            kept(json!({"field": "pack", "value": {"size": "0", "unit": "g"}})),
            None
        );
        assert_eq!(
            kept(json!({"field": "attributes.diet", "value": "veg"})),
            Some("attributes.diet".into())
        );
        assert_eq!(
            kept(json!({"field": "attributes.diet", "value": ["veg"]})),
            None
        );
        assert_eq!(
            kept(json!({"field": "synonyms", "value": ["arhar", 3]})),
            None
        );
        let sure = checked(&json!({"field": "name", "value": "X", "confidence": 7})).unwrap();
        assert_eq!(sure.confidence, 1.0);
    }
}
