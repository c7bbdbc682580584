//! UPI collect by dynamic QR, the pure part: the store's payee (its VPA,
//! checked when the agent starts, and its name) and the NPCI deep link a
//! customer's UPI app reads, `upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…&tr=…`,
//! for one amount and one bill. The QR drawn from it is `till::upi`'s.
//!
//! Imports only `pos_shared`.

use pos_shared::{Currency, Money};

/// The longest bill reference a UPI app takes as `tr` (NPCI's limit is 35).
pub const MAX_BILL_LEN: usize = 35;
/// The longest payee name shown in the customer's app.
pub const MAX_PAYEE_NAME_LEN: usize = 50;
/// The most one UPI payment may carry here, ₹1,00,000: NPCI's per-transaction
/// limit for ordinary merchant payments. A larger bill is split over tenders.
pub const MAX_UPI_MINOR: i64 = 100_000 * 100;

/// Why a payee, an amount or a bill cannot make a UPI link; `field` names
/// what is at fault for the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpiError {
    #[error("{0:?} is not a UPI address (VPA) such as kiranastore@okicici: {1}")]
    BadVpa(String, &'static str),
    #[error("{0}")]
    BadPayeeName(String),
    #[error("amount: {0}")]
    BadAmount(String),
    #[error("bill: {0}")]
    BadBill(String),
}

impl UpiError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            UpiError::BadVpa(..) | UpiError::BadPayeeName(_) => "payee",
            UpiError::BadAmount(_) => "amount",
            UpiError::BadBill(_) => "bill",
        }
    }
}

/// A UPI virtual payment address, `handle@psp`: the handle 2 to 256 of
/// letters, digits, `.`, `-` and `_`; the PSP's name 2 to 64 letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpa(String);

impl Vpa {
    pub fn parse(text: &str) -> Result<Vpa, UpiError> {
        let bad = |why| Err(UpiError::BadVpa(text.to_owned(), why));
        let Some((handle, psp)) = text.split_once('@') else {
            return bad("it has no @ between the handle and the bank's name");
        };
        if !(2..=256).contains(&handle.len()) {
            return bad("the part before @ must be 2 to 256 characters");
        }
        if !handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return bad("the part before @ may hold only letters, digits, '.', '-' and '_'");
        }
        if !(2..=64).contains(&psp.len()) || !psp.chars().all(|c| c.is_ascii_alphabetic()) {
            return bad("the part after @ must be the bank's handle, 2 to 64 letters");
        }
        Ok(Vpa(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who the customer pays: the store's VPA and the name their app shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpiPayee {
    pub vpa: Vpa,
    pub name: String,
}

impl UpiPayee {
    /// The name is checked here so a bad one stops the agent at start-up,
    /// not the first customer.
    pub fn new(vpa: Vpa, name: &str) -> Result<UpiPayee, UpiError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UpiError::BadPayeeName(
                "the payee name is empty; give the store's name as customers know it".into(),
            ));
        }
        if name.chars().count() > MAX_PAYEE_NAME_LEN {
            return Err(UpiError::BadPayeeName(format!(
                "the payee name is longer than {MAX_PAYEE_NAME_LEN} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(UpiError::BadPayeeName(
                "the payee name holds a control character".into(),
            ));
        }
        Ok(UpiPayee {
            vpa,
            name: name.to_owned(),
        })
    }

    /// The deep link for `amount` against `bill`: every value percent-encoded,
    /// the amount in rupees with exactly two decimals.
    pub fn link(&self, amount: Money, bill: &str) -> Result<String, UpiError> {
        let rupees = upi_amount(amount)?;
        check_bill(bill)?;
        Ok(format!(
            "upi://pay?pa={}&pn={}&am={rupees}&cu=INR&tn={}&tr={}",
            encode(self.vpa.as_str()),
            encode(&self.name),
            encode(&format!("Bill {bill}")),
            encode(bill),
        ))
    }
}

/// `30555` paise → `305.55`: UPI apps read `am` as rupees with two decimals.
fn upi_amount(amount: Money) -> Result<String, UpiError> {
    if amount.currency() != Currency::INR {
        return Err(UpiError::BadAmount(format!(
            "UPI takes rupees (INR), not {}",
            amount.currency()
        )));
    }
    let minor = amount.minor();
    if minor <= 0 {
        return Err(UpiError::BadAmount(
            "a UPI payment must be more than ₹0.00".into(),
        ));
    }
    if minor > MAX_UPI_MINOR {
        return Err(UpiError::BadAmount(format!(
            "one UPI payment may be at most ₹{}.00; split the bill over tenders",
            MAX_UPI_MINOR / 100
        )));
    }
    Ok(format!("{}.{:02}", minor / 100, minor % 100))
}

/// The bill reference becomes `tr`, which the store's bank statement shows:
/// short, and only letters, digits and `-` so every app and bank keeps it.
fn check_bill(bill: &str) -> Result<(), UpiError> {
    if bill.is_empty() {
        return Err(UpiError::BadBill(
            "the bill reference is empty; send the sale's short reference".into(),
        ));
    }
    if bill.len() > MAX_BILL_LEN {
        return Err(UpiError::BadBill(format!(
            "the bill reference is longer than {MAX_BILL_LEN} characters"
        )));
    }
    if !bill.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(UpiError::BadBill(format!(
            "{bill:?} may hold only letters, digits and '-'"
        )));
    }
    Ok(())
}

/// Percent-encodes a query value (RFC 3986): unreserved characters stay, and
/// so does `@`, which a query may hold as it is and which apps match in the
/// VPA literally; everything else, `&`, `=`, `+`, space and every non-ASCII
/// byte of its UTF-8, becomes `%XX`.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpas_of_the_handle_at_psp_shape() {
        for good in ["kirana.store@okicici", "98765-43210@ybl", "a_b@paytm"] {
            assert!(Vpa::parse(good).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("kiranastore", "no @"),
            ("k@okicici", "2 to 256"),
            ("kirana store@ybl", "only letters"),
            ("kirana@ok icici", "bank's handle"),
            ("kirana@ybl@x", "bank's handle"),
            ("kirana@", "bank's handle"),
        ] {
            let e = Vpa::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn amounts_in_rupees_with_two_decimals() {
        assert_eq!(upi_amount(Money::inr(30555)).unwrap(), "305.55");
        assert_eq!(upi_amount(Money::inr(5)).unwrap(), "0.05");
        assert_eq!(upi_amount(Money::inr(100)).unwrap(), "1.00");
        assert!(upi_amount(Money::inr(0)).is_err());
        assert!(upi_amount(Money::inr(MAX_UPI_MINOR + 1)).is_err());
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("Ram & Sons"), "Ram%20%26%20Sons");
        assert_eq!(encode("a+b=c?"), "a%2Bb%3Dc%3F");
        assert_eq!(encode("राम"), "%E0%A4%B0%E0%A4%BE%E0%A4%AE");
        assert_eq!(encode("kirana@ybl"), "kirana@ybl");
    }
}
