//! A UPI payment by dynamic QR: the store's payee and the bill's amount made
//! into the NPCI link (`pos::upi`) and the QR code that carries it, drawn as
//! SVG for the cashier's screen and the customer's display.

use crate::pos::upi::{UpiError, UpiPayee};
use pos_shared::Money;
use serde::{Deserialize, Serialize};

/// What `POST /v1/payments/upi-intent` answers, and what the customer's
/// display shows: the link, its QR as an SVG document, and the amount and
/// payee the customer should see beside it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpiIntent {
    /// `upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…&tr=…`
    pub uri: String,
    /// An SVG document (black modules on white, with the quiet zone).
    pub qr_svg: String,
    pub amount: Money,
    pub payee_vpa: String,
    pub payee_name: String,
}

/// Why no intent was made.
#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    #[error(
        "UPI is not set up at this till: set payments.upi_vpa and payments.upi_payee_name \
         (EDGE_UPI_VPA, EDGE_UPI_PAYEE_NAME) and restart the agent"
    )]
    NotConfigured,
    #[error(transparent)]
    Invalid(#[from] UpiError),
    #[error("the UPI link does not fit in a QR code: {0}")]
    TooLong(String),
}

/// The intent for `amount` against `bill`, paid to `payee`.
pub fn intent(
    payee: Option<&UpiPayee>,
    amount: Money,
    bill: &str,
) -> Result<UpiIntent, IntentError> {
    let payee = payee.ok_or(IntentError::NotConfigured)?;
    let uri = payee.link(amount, bill)?;
    Ok(UpiIntent {
        qr_svg: qr_svg(&uri)?,
        uri,
        amount,
        payee_vpa: payee.vpa.as_str().to_owned(),
        payee_name: payee.name.clone(),
    })
}

/// Medium error correction: a phone reads it off a scratched or glaring
/// screen, and the code stays small enough to scan from a metre.
fn qr_svg(uri: &str) -> Result<String, IntentError> {
    let code = qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M)
        .map_err(|e| IntentError::TooLong(e.to_string()))?;
    // One unit per module: the screen scales the SVG, crisp at any size.
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build())
}
