//! Browser tests: the cashier UI, the picker screens and the customer's
//! display in headless Chromium on real tills and a real hub. A test binary of its own, so it runs after
//! the system tests rather than beside the fault harness: a starved browser
//! types a scanner's burst too slowly to be one.

// The process harness is shared with the system tests; this binary uses part of it.
#[allow(dead_code)]
#[path = "../system/harness.rs"]
mod harness;

mod cashier_ui;
mod counter_ui;
mod display_ui;
mod picker_ui;
mod stock_take_ui;
mod wire;

/// The browser tests take turns: two browsers at once on a small machine
/// starve each other, and a starved browser types a scanner's burst too
/// slowly to be one.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
