//! The till's input devices: every scanner's scans as one stream
//! ([`scan`]), serial scanners ([`serial`]), HID POS scanners ([`hid`]), USB
//! enumeration and bulk links ([`usb`]), and the registry of what is
//! connected ([`registry`]), which the API shows.
//!
//! Devices run on their own threads and publish into [`scan::Scans`]; nothing
//! here knows about sales, the store database or HTTP.

pub mod hid;
mod registry;
pub mod scan;
pub mod serial;
pub mod usb;

pub use registry::{DeviceStatus, Devices, ScannerThreads};

/// Starts a thread per configured scanner, serial and HID, all publishing to
/// `scans`; they stop when the returned handle is dropped.
pub fn start(
    serial_scanners: &[serial::SerialScanner],
    hid_scanners: &[hid::HidScanner],
    scans: &scan::Scans,
    devices: &Devices,
) -> ScannerThreads {
    let threads = serial::start(serial_scanners, scans, devices);
    hid::start(hid_scanners, scans, devices, threads.stop_flag());
    threads
}
