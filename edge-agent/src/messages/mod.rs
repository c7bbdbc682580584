//! E-receipts out of the till: the receipt link sent to the customer's
//! mobile by WhatsApp or SMS. Owns the provider settings
//! ([`MessagesConfig`]), the message's words and the click-to-chat link
//! ([`compose`], [`click_to_chat`]), the provider clients behind
//! [`sender::ReceiptSender`] (`whatsapp.rs`: WhatsApp Cloud API,
//! `twilio.rs`: Twilio SMS) and the sender task ([`Messenger`]) that works
//! the queue kept in `store::e_receipts`.
//!
//! Delivery is at least once. Each try is counted in the till's file before
//! the provider is asked, and the message is marked sent after it answers;
//! neither provider takes an idempotency key on a send, so a till killed
//! between the provider's answer and that mark sends the message once more
//! when it is back (after the backoff of that try, never in a loop).

pub mod sender;
pub mod twilio;
pub mod whatsapp;

use crate::store::e_receipts::{self, Channel};
use crate::store::LocalStore;
use pos_shared::sale::SaleFact;
use pos_shared::{Money, Secret, Timestamp};
use sender::{ReceiptSender, SendError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The provider settings, resolved (`[messages]`, `receipts.link_base`).
#[derive(Debug, Clone)]
pub struct MessagesConfig {
    /// Who sends; `None`: nobody, WhatsApp receipts are click-to-chat links.
    pub provider: Option<Provider>,
    /// What a receipt's key is appended to; `None`: the hub's URL + `/r/`.
    pub link_base: Option<String>,
    /// The deadline of one call to the provider.
    pub timeout: Duration,
    /// Tries before a message is given up as `failed`.
    pub max_attempts: u32,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

impl Default for MessagesConfig {
    fn default() -> Self {
        MessagesConfig {
            provider: None,
            link_base: None,
            timeout: DEFAULT_TIMEOUT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// A provider and its credentials.
#[derive(Debug, Clone)]
pub enum Provider {
    WhatsappCloud {
        base_url: String,
        api_version: String,
        phone_number_id: String,
        token: Secret,
    },
    TwilioSms {
        base_url: String,
        account_sid: String,
        from: String,
        auth_token: Secret,
    },
}

impl Provider {
    pub fn channel(&self) -> Channel {
        match self {
            Provider::WhatsappCloud { .. } => Channel::Whatsapp,
            Provider::TwilioSms { .. } => Channel::Sms,
        }
    }

    /// The provider's client.
    pub fn sender(&self, timeout: Duration) -> Result<Arc<dyn ReceiptSender>, String> {
        let http = sender::http_client(timeout)?;
        Ok(match self.clone() {
            Provider::WhatsappCloud {
                base_url,
                api_version,
                phone_number_id,
                token,
            } => Arc::new(whatsapp::WhatsAppCloud {
                http,
                base_url,
                api_version,
                phone_number_id,
                token,
            }),
            Provider::TwilioSms {
                base_url,
                account_sid,
                from,
                auth_token,
            } => Arc::new(twilio::TwilioSms {
                http,
                base_url,
                account_sid,
                auth_token,
                from,
            }),
        })
    }
}

impl MessagesConfig {
    /// What the till says at start-up about settings that cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(base) = &self.link_base {
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err(format!(
                    "receipts.link_base (EDGE_RECEIPT_LINK_BASE) {base:?} must start with https:// or http://"
                ));
            }
        }
        if self.max_attempts == 0 {
            return Err(
                "messages.max_attempts (EDGE_MESSAGES_MAX_ATTEMPTS) must be at least 1".into(),
            );
        }
        let Some(provider) = &self.provider else {
            return Ok(());
        };
        let url = |name: &str, value: &str| {
            if value.starts_with("https://") || value.starts_with("http://") {
                Ok(())
            } else {
                Err(format!(
                    "messages.base_url (EDGE_MESSAGES_BASE_URL) {value:?} for {name} must start with https:// or http://"
                ))
            }
        };
        let present = |key: &str, var: &str, value: &str| {
            if value.trim().is_empty() {
                Err(format!(
                    "messages.provider is {} but {key} ({var}) is not set",
                    match provider {
                        Provider::WhatsappCloud { .. } => "whatsapp_cloud",
                        Provider::TwilioSms { .. } => "twilio_sms",
                    }
                ))
            } else {
                Ok(())
            }
        };
        match provider {
            Provider::WhatsappCloud {
                base_url,
                api_version,
                phone_number_id,
                token,
            } => {
                url("whatsapp_cloud", base_url)?;
                present(
                    "messages.whatsapp_phone_number_id",
                    "EDGE_WHATSAPP_PHONE_NUMBER_ID",
                    phone_number_id,
                )?;
                present(
                    "messages.whatsapp_api_version",
                    "EDGE_WHATSAPP_API_VERSION",
                    api_version,
                )?;
                present(
                    "messages.token",
                    "EDGE_MESSAGES_TOKEN or EDGE_MESSAGES_TOKEN_FILE",
                    token.expose(),
                )?;
                if !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "messages.whatsapp_phone_number_id (EDGE_WHATSAPP_PHONE_NUMBER_ID) {phone_number_id:?} is the number's id in WhatsApp Manager: digits only"
                    ));
                }
            }
            Provider::TwilioSms {
                base_url,
                account_sid,
                from,
                auth_token,
            } => {
                url("twilio_sms", base_url)?;
                present(
                    "messages.twilio_account_sid",
                    "EDGE_TWILIO_ACCOUNT_SID",
                    account_sid,
                )?;
                present("messages.twilio_from", "EDGE_TWILIO_FROM", from)?;
                present(
                    "messages.token",
                    "EDGE_MESSAGES_TOKEN or EDGE_MESSAGES_TOKEN_FILE",
                    auth_token.expose(),
                )?;
                if !account_sid.starts_with("AC")
                    || !account_sid.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(format!(
                        "messages.twilio_account_sid (EDGE_TWILIO_ACCOUNT_SID) {account_sid:?} is not an account SID (AC followed by letters and digits)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What the till's use cases need to word and queue a receipt message.
#[derive(Clone)]
pub struct Messaging {
    /// What a sale's receipt key is appended to, ending in `/`.
    pub link_base: String,
    /// The name the customer knows the store by (the receipt's first header line).
    pub store_name: String,
    /// The channel a provider sends on, if one is configured.
    pub provider_channel: Option<Channel>,
    /// Wakes the sender task when a message is queued.
    pub wake: Arc<Notify>,
}

impl Messaging {
    /// The settings as the use cases hold them; `hub_url` gives the default link base.
    pub fn new(config: &MessagesConfig, hub_url: &str, store_name: Option<&str>) -> Self {
        let mut link_base = config
            .link_base
            .clone()
            .unwrap_or_else(|| format!("{}/r/", hub_url.trim_end_matches('/')));
        if !link_base.ends_with('/') {
            link_base.push('/');
        }
        Messaging {
            link_base,
            store_name: store_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or("Your store")
                .to_owned(),
            provider_channel: config.provider.as_ref().map(Provider::channel),
            wake: Arc::default(),
        }
    }
}

/// The message: store name, receipt number, total, the link.
pub fn compose(store_name: &str, sale: &SaleFact, link: &str) -> String {
    let payable = sale.payable().unwrap_or(sale.total);
    format!(
        "{store_name}: thank you for shopping with us. Receipt {} for {}: {link}",
        sale.receipt_no,
        rupees(payable)
    )
}

/// A reminder of what a customer owes on their credit account (the khata).
pub fn compose_reminder(store_name: &str, name: Option<&str>, owed: Money) -> String {
    let greeting = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("Namaste {name}"),
        None => "Namaste".to_owned(),
    };
    format!(
        "{store_name}: {greeting}, your account with us shows {} due. Please pay at the counter when convenient. Thank you.",
        rupees(owed)
    )
}

/// `₹238.75` for rupees; other currencies by code.
fn rupees(m: Money) -> String {
    let text = m.to_string();
    match text.strip_prefix("INR ") {
        Some(amount) => format!("₹{amount}"),
        None => text,
    }
}

/// `https://wa.me/<digits>?text=<message>`: opens WhatsApp on the cashier's
/// or the customer's phone with the message typed, no provider needed.
pub fn click_to_chat(to: &str, body: &str) -> String {
    let digits: String = to.chars().filter(char::is_ascii_digit).collect();
    format!("https://wa.me/{digits}?text={}", percent_encode(body))
}

/// RFC 3986: every byte but the unreserved characters as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The sender task: works the queue with one provider, oldest due first.
pub struct Messenger {
    pub store: LocalStore,
    pub sender: Arc<dyn ReceiptSender>,
    pub wake: Arc<Notify>,
    pub max_attempts: u32,
    /// The longest wait between two tries of a message.
    pub max_backoff: Duration,
    /// How often the queue is looked at when nothing wakes the task.
    pub poll: Duration,
}

impl Messenger {
    /// Runs until the agent stops.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.work_due().await {
                tracing::warn!(error = %e, "e-receipt queue could not be read; trying again");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Tries every message that is due now.
    async fn work_due(&self) -> Result<(), crate::store::StoreError> {
        let now = Timestamp::now().unix_millis();
        let due = self
            .store
            .call(move |c| e_receipts::due(c, now, 20))
            .await?;
        for message in due {
            // A provider that cannot be reached fails every message alike:
            // the rest wait for their own next try rather than each costing
            // a timeout now.
            if !self.try_one(message).await? {
                break;
            }
        }
        Ok(())
    }

    /// Tries one message; `false` when the provider could not be reached.
    async fn try_one(
        &self,
        message: e_receipts::StoredMessage,
    ) -> Result<bool, crate::store::StoreError> {
        let id = message.id;
        if message.channel != self.sender.channel() {
            // The provider was changed while this message waited.
            let why = format!(
                "no provider sends by {} on this till any more (messages.provider changed)",
                match message.channel {
                    Channel::Whatsapp => "WhatsApp",
                    Channel::Sms => "SMS",
                }
            );
            self.store
                .call(move |c| e_receipts::mark_failed_try(c, id, &why, true))
                .await?;
            return Ok(true);
        }
        let wait = pos_shared::retry::backoff(message.attempts + 1, self.max_backoff);
        let retry_at = Timestamp::now().unix_millis() + wait.as_millis() as i64;
        let Some(attempt) = self
            .store
            .call(move |c| e_receipts::begin_attempt(c, id, retry_at))
            .await?
        else {
            return Ok(true);
        };
        let outcome = self.sender.send(&message.recipient, &message.body).await;
        let now = Timestamp::now().unix_millis();
        match outcome {
            Ok(done) => {
                tracing::info!(message = %id, attempt, "e-receipt sent");
                self.store
                    .call(move |c| {
                        e_receipts::mark_sent(c, id, done.provider_message_id.as_deref(), now)
                    })
                    .await?;
                Ok(true)
            }
            Err(e) => {
                let give_up = e.is_permanent() || attempt >= self.max_attempts;
                let why = match (&e, give_up) {
                    (SendError::Retryable(w), true) => {
                        format!("{w}; gave up after {attempt} tries")
                    }
                    _ => e.to_string(),
                };
                tracing::warn!(message = %id, attempt, give_up, error = %why, "e-receipt not sent");
                self.store
                    .call(move |c| e_receipts::mark_failed_try(c, id, &why, give_up))
                    .await?;
                Ok(e.is_permanent())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn click_to_chat_carries_the_digits_and_the_encoded_text() {
        assert_eq!(
            super::click_to_chat("+919845012345", "Kirana: ₹1 & more https://h/r/ab"),
            "https://wa.me/919845012345?text=Kirana%3A%20%E2%82%B91%20%26%20more%20https%3A%2F%2Fh%2Fr%2Fab"
        );
    }
}
