//! [`TwilioSms`]: the receipt sent as an SMS through Twilio's Messages API:
//! `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded,
//! with the account's SID and auth token as basic auth.

use super::sender::{refused, unreachable, Delivered, ReceiptSender, SendError};
use crate::store::e_receipts::Channel;
use futures_util::future::BoxFuture;
use pos_shared::Secret;
use serde_json::Value;

pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

pub struct TwilioSms {
    pub http: reqwest::Client,
    /// `https://api.twilio.com`, or a local server in tests.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: Secret,
    /// The sending number (E.164) or sender id the account owns.
    pub from: String,
}

impl ReceiptSender for TwilioSms {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Delivered, SendError>> {
        Box::pin(async move {
            let url = format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                self.base_url.trim_end_matches('/'),
                self.account_sid
            );
            let response = self
                .http
                .post(url)
                .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
                .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
                .send()
                .await
                .map_err(|e| unreachable("Twilio", &e))?;
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                // {"code": 21211, "message": "The 'To' number … is not valid.", "status": 400}
                let why = match (answer["message"].as_str(), answer["code"].as_i64()) {
                    (Some(m), Some(code)) => format!("{m} (code {code})"),
                    (Some(m), None) => m.to_owned(),
                    _ => "no reason given".to_owned(),
                };
                return Err(refused("Twilio", status, why));
            }
            Ok(Delivered {
                provider_message_id: answer["sid"].as_str().map(str::to_owned),
            })
        })
    }
}
