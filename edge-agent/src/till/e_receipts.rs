//! E-receipts at the till: the cashier asks for a sale's receipt link to be
//! sent to the customer's mobile by WhatsApp or SMS. The message is worded
//! and queued in the till's file at once (the till never waits on the
//! network); the sender task ([`crate::messages::Messenger`]) sends it when
//! it can. With no provider for WhatsApp, the answer is a click-to-chat link
//! the cashier hands over instead.

use super::{Till, TillError};
use crate::messages::{click_to_chat, compose};
use crate::store::customers::normalize_phone;
use crate::store::e_receipts::{self, About, Channel, MessageState, NewMessage, StoredMessage};
use pos_shared::{SaleId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /v1/sales/{sale_id}/e-receipt`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EReceiptRequest {
    pub channel: Channel,
    /// The customer's mobile; the number taken with the sale when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub phone: Option<String>,
}

/// A receipt message as the cashier sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EReceipt {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub message_id: Uuid,
    pub channel: Channel,
    /// E.164: `+919845012345`.
    pub to: String,
    pub state: MessageState,
    /// `https://wa.me/…` with the message typed: for `link_only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub click_to_chat: Option<String>,
    pub attempts: u32,
    /// Why the last try failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_error: Option<String>,
}

/// `GET /v1/sales/{sale_id}/e-receipts`: the sale's messages and what this
/// till can send.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EReceipts {
    pub messages: Vec<EReceipt>,
    /// A WhatsApp provider sends here; otherwise WhatsApp is a click-to-chat link.
    pub whatsapp_provider: bool,
    /// An SMS provider sends here; SMS can be asked for only then.
    pub sms_available: bool,
    /// The mobile number taken with the sale, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub customer_phone: Option<String>,
}

pub(super) fn answer(m: StoredMessage) -> EReceipt {
    EReceipt {
        message_id: m.id,
        channel: m.channel,
        click_to_chat: (m.state == MessageState::LinkOnly)
            .then(|| click_to_chat(&m.recipient, &m.body)),
        to: m.recipient,
        state: m.state,
        attempts: m.attempts,
        last_error: m.last_error,
    }
}

/// Queues the sale's receipt message, or answers the one already queued,
/// sent or handed over for this sale and channel (`false`).
pub async fn request(
    till: &Till,
    sale_id: SaleId,
    request: EReceiptRequest,
) -> Result<(EReceipt, bool), TillError> {
    let messaging = till.messaging.clone();
    let provider = messaging.provider_channel;
    if request.channel == Channel::Sms && provider != Some(Channel::Sms) {
        return Err(TillError::Invalid {
            field: "channel",
            detail: "channel: no SMS provider is set up on this till (messages.provider); \
                     send the receipt by WhatsApp instead"
                .into(),
        });
    }
    let given = match request.phone.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(text) => Some(normalize_phone(text).map_err(|e| TillError::Invalid {
            field: "phone",
            detail: format!("phone: {e}"),
        })?),
    };
    let done = till
        .store
        .call(move |c| {
            let Some(sale) = crate::store::sales::stored_sale(c, sale_id)? else {
                return Ok(Err(TillError::SaleNotFound(sale_id)));
            };
            let Some(to) = given.or_else(|| sale.customer.as_ref().map(|c| c.phone.clone())) else {
                return Ok(Err(TillError::Invalid {
                    field: "phone",
                    detail: format!(
                        "phone: sale {} has no customer mobile; give the number to send the receipt to",
                        sale.receipt_no
                    ),
                }));
            };
            let Some(key) = &sale.receipt_key else {
                return Ok(Err(TillError::Invalid {
                    field: "sale_id",
                    detail: format!(
                        "sale_id: sale {} was recorded before receipts had links; print it instead",
                        sale.receipt_no
                    ),
                }));
            };
            let link = format!("{}{key}", messaging.link_base);
            let new = NewMessage {
                about: About::Receipt(sale_id),
                channel: request.channel,
                recipient: to,
                body: compose(&messaging.store_name, &sale, &link),
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

/// The sale's messages, the first asked first, and what can be sent here.
pub async fn list(till: &Till, sale_id: SaleId) -> Result<EReceipts, TillError> {
    let provider = till.messaging.provider_channel;
    let (sale, messages) = till
        .store
        .call(move |c| {
            let sale = crate::store::sales::stored_sale(c, sale_id)?;
            Ok((sale, e_receipts::for_sale(c, sale_id)?))
        })
        .await?;
    let sale = sale.ok_or(TillError::SaleNotFound(sale_id))?;
    Ok(EReceipts {
        messages: messages.into_iter().map(answer).collect(),
        whatsapp_provider: provider == Some(Channel::Whatsapp),
        sms_available: provider == Some(Channel::Sms),
        customer_phone: sale.customer.map(|c| c.phone),
    })
}
