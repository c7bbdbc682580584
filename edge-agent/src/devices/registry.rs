//! The registry of the till's devices: what is connected, its last error and
//! its counts, as the API shows them; and the handle that stops the device
//! threads.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the till shows about a device.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct DeviceStatus {
    pub kind: &'static str,
    pub connected: bool,
    pub last_error: Option<String>,
    pub scans: u64,
    pub dropped: u64,
}

#[derive(Clone, Default)]
pub struct Devices {
    inner: Arc<Mutex<BTreeMap<String, DeviceStatus>>>,
}

impl Devices {
    pub fn all(&self) -> BTreeMap<String, DeviceStatus> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn update(&self, source: &str, f: impl FnOnce(&mut DeviceStatus)) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let status = map.entry(source.to_owned()).or_insert(DeviceStatus {
            kind: if source.starts_with("usb:") {
                "hid_scanner"
            } else {
                "serial_scanner"
            },
            connected: false,
            last_error: None,
            scans: 0,
            dropped: 0,
        });
        f(status);
    }
}

/// Stops the scanner threads when dropped.
pub struct ScannerThreads {
    stop: Arc<AtomicBool>,
}

impl ScannerThreads {
    pub(crate) fn new(stop: Arc<AtomicBool>) -> Self {
        ScannerThreads { stop }
    }

    /// The flag other device threads watch, so one drop stops them all.
    pub(crate) fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for ScannerThreads {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
