//! Dues reminders at the till: the cashier sends a customer a reminder of
//! what they owe on their credit account (the khata) by WhatsApp or SMS,
//! through the same queue and sender as e-receipts, so it waits in the
//! till's file while the till is offline. What is owed is as this till shows
//! it (the hub's figure moved by what was done here since the hub last
//! said); asking again the same day answers the last reminder while what is
//! owed has not moved since, so a customer is not told the same twice.

use super::e_receipts::{answer, EReceipt};
use super::{Till, TillError};
use crate::messages::compose_reminder;
use crate::store::credit;
use crate::store::customers::normalize_phone;
use crate::store::e_receipts::{self, About, Channel, MessageState, NewMessage};
use pos_shared::{Money, Timestamp};
use serde::{Deserialize, Serialize};

/// `POST /v1/credit-accounts/{phone}/reminders`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderRequest {
    pub channel: Channel,
}

/// The reminders sent to an account's number, and what this till can send.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminders {
    /// The latest first.
    pub messages: Vec<EReceipt>,
    /// A WhatsApp provider sends here; otherwise WhatsApp is a click-to-chat link.
    pub whatsapp_provider: bool,
    /// An SMS provider sends here; SMS can be asked for only then.
    pub sms_available: bool,
}

fn phone_of(raw: &str) -> Result<String, TillError> {
    normalize_phone(raw).map_err(|e| TillError::Invalid {
        field: "phone",
        detail: format!("phone: {e}"),
    })
}

/// Queues a reminder to the account's holder, or answers the one sent in
/// the last day for the same amount (`false`).
pub async fn remind(
    till: &Till,
    raw_phone: &str,
    request: ReminderRequest,
) -> Result<(EReceipt, bool), TillError> {
    let phone = phone_of(raw_phone)?;
    let messaging = till.messaging.clone();
    let provider = messaging.provider_channel;
    if request.channel == Channel::Sms && provider != Some(Channel::Sms) {
        return Err(TillError::Invalid {
            field: "channel",
            detail: "channel: no SMS provider is set up on this till (messages.provider); \
                     send the reminder by WhatsApp instead"
                .into(),
        });
    }
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let done = till
        .store
        .call(move |c| {
            let Some(account) = credit::account(c, &device, &phone)? else {
                return Ok(Err(TillError::NotFound("credit account")));
            };
            // What this till shows: the hub's figure moved by what was
            // done here since.
            let owed = account.dues.minor();
            if owed <= 0 {
                return Ok(Err(TillError::Invalid {
                    field: "phone",
                    detail: format!(
                        "phone: {} owes nothing on the account: there is nothing to remind of",
                        account.name.as_deref().unwrap_or(&phone)
                    ),
                }));
            }
            let currency = account.limit.currency();
            let new = NewMessage {
                about: About::DuesReminder,
                channel: request.channel,
                body: compose_reminder(
                    &messaging.store_name,
                    account.name.as_deref(),
                    Money::new(owed, currency),
                ),
                recipient: phone,
                state: match provider == Some(request.channel) {
                    true => MessageState::Queued,
                    false => MessageState::LinkOnly,
                },
            };
            e_receipts::queue(c, new, Timestamp::now().unix_millis()).map(Ok)
        })
        .await??;
    if done.1 && done.0.state == MessageState::Queued {
        till.messaging.wake.notify_one();
    }
    Ok((answer(done.0), done.1))
}

/// The reminders sent to an account's number, the latest first.
pub async fn list(till: &Till, raw_phone: &str) -> Result<Reminders, TillError> {
    let phone = phone_of(raw_phone)?;
    let provider = till.messaging.provider_channel;
    let messages = till
        .store
        .call(move |c| e_receipts::reminders_to(c, &phone))
        .await?;
    Ok(Reminders {
        messages: messages.into_iter().map(answer).collect(),
        whatsapp_provider: provider == Some(Channel::Whatsapp),
        sms_available: provider == Some(Channel::Sms),
    })
}
