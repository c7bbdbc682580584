//! [`WhatsAppCloud`]: the receipt sent as a WhatsApp text through Meta's
//! WhatsApp Cloud API: `POST {base}/{version}/{phone_number_id}/messages`
//! with a bearer token, the link previewed.

use super::sender::{refused, unreachable, Delivered, ReceiptSender, SendError};
use crate::store::e_receipts::Channel;
use futures_util::future::BoxFuture;
use pos_shared::Secret;
use serde_json::{json, Value};

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v21.0";

pub struct WhatsAppCloud {
    pub http: reqwest::Client,
    /// `https://graph.facebook.com`, or a local server in tests.
    pub base_url: String,
    pub api_version: String,
    pub phone_number_id: String,
    pub token: Secret,
}

impl ReceiptSender for WhatsAppCloud {
    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    fn send<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Delivered, SendError>> {
        Box::pin(async move {
            let url = format!(
                "{}/{}/{}/messages",
                self.base_url.trim_end_matches('/'),
                self.api_version,
                self.phone_number_id
            );
            // The Cloud API takes the number as digits, country code first.
            let digits: String = to.chars().filter(char::is_ascii_digit).collect();
            let response = self
                .http
                .post(url)
                .bearer_auth(self.token.expose())
                .json(&json!({
                    "messaging_product": "whatsapp",
                    "to": digits,
                    "type": "text",
                    "text": {"preview_url": true, "body": body},
                }))
                .send()
                .await
                .map_err(|e| unreachable("WhatsApp", &e))?;
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                // {"error": {"message": "...", "code": 131030, ...}}
                let error = &answer["error"];
                let why = match (error["message"].as_str(), error["code"].as_i64()) {
                    (Some(m), Some(code)) => format!("{m} (code {code})"),
                    (Some(m), None) => m.to_owned(),
                    _ => "no reason given".to_owned(),
                };
                return Err(refused("WhatsApp", status, why));
            }
            Ok(Delivered {
                provider_message_id: answer["messages"][0]["id"].as_str().map(str::to_owned),
            })
        })
    }
}
