//! Card and UPI payments go through a payment terminal.
//!
//! No payment gateway is reachable from here, so the till ships the manual-entry
//! terminal: the cashier takes the payment on the bank's own device (or the
//! customer's UPI app) and types the approval code or UPI reference, which this
//! terminal checks for shape before the sale is recorded. An integration with a
//! real card machine or UPI gateway implements the same trait; it is asked
//! before the sale commits, so a declined payment never leaves a sale behind.

use pos_shared::sale::TenderMethod;
use pos_shared::Money;

pub struct PaymentRequest<'a> {
    pub method: TenderMethod,
    pub amount: Money,
    /// What the cashier typed, if anything.
    pub reference: Option<&'a str>,
}

/// A payment the terminal accepted, with the reference to keep on the sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentTaken {
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// Refused: the words say what to do.
    #[error("{0}")]
    Declined(String),
    /// The terminal or gateway could not be reached; try again or take cash.
    #[error("the payment terminal is not available: {0}")]
    Unavailable(String),
}

pub trait PaymentTerminal: Send + Sync {
    fn take(&self, request: &PaymentRequest<'_>) -> Result<PaymentTaken, PaymentError>;
}

/// The cashier types what the bank's device or the UPI app shows.
pub struct ManualEntry;

impl PaymentTerminal for ManualEntry {
    fn take(&self, request: &PaymentRequest<'_>) -> Result<PaymentTaken, PaymentError> {
        let typed: String = request
            .reference
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let ok = match request.method {
            TenderMethod::Cash | TenderMethod::Credit | TenderMethod::Points => {
                return Err(PaymentError::Declined(format!(
                    "{} is not taken on a payment terminal",
                    request.method.label()
                )))
            }
            // Approval codes are 6 characters; some machines print the 12-digit RRN.
            TenderMethod::Card => {
                (4..=12).contains(&typed.len()) && typed.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            // The UTR on the customer's payment screen: 12 digits.
            TenderMethod::Upi => typed.len() == 12 && typed.bytes().all(|b| b.is_ascii_digit()),
        };
        if !ok {
            return Err(PaymentError::Declined(match request.method {
                TenderMethod::Upi => "a UPI reference is the 12-digit UTR on the customer's payment screen".into(),
                _ => "a card approval code is 4 to 12 letters and digits, as printed on the card machine's slip".into(),
            }));
        }
        if !request.amount.minor().is_positive() {
            return Err(PaymentError::Declined(
                "the amount must be more than zero".into(),
            ));
        }
        Ok(PaymentTaken { reference: typed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(method: TenderMethod, reference: Option<&str>) -> Result<PaymentTaken, PaymentError> {
        ManualEntry.take(&PaymentRequest {
            method,
            amount: Money::inr(100),
            reference,
        })
    }

    #[test]
    fn manual_entry_checks_what_the_cashier_typed() {
        assert_eq!(
            take(TenderMethod::Upi, Some("4123 4567 8901"))
                .unwrap()
                .reference,
            "412345678901"
        );
        assert_eq!(
            take(TenderMethod::Card, Some("ap12x9")).unwrap().reference,
            "AP12X9"
        );
        assert!(take(TenderMethod::Upi, Some("UPI-1")).is_err());
        assert!(take(TenderMethod::Upi, None).is_err());
        assert!(take(TenderMethod::Card, Some("A1")).is_err());
        assert!(take(TenderMethod::Card, Some("AP-1234")).is_err());
        assert!(take(TenderMethod::Cash, None).is_err());
    }
}
