//! USB devices through `rusb`: printers on bulk OUT (and IN for status where the
//! printer has it), HID POS scanners on interrupt IN, and enumeration for the
//! device list.
//!
//! A machine without a USB bus (a container, a VM) lists no devices rather than
//! failing: the till works without USB.

use crate::printing::transport::{Link, PrintError};
use rusb::UsbContext;
use serde::Serialize;
use std::time::Duration;

/// A USB device as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsbDevice {
    pub bus: u8,
    pub address: u8,
    pub vendor_id: String,
    pub product_id: String,
    /// Interface classes: 7 printer, 3 HID.
    pub classes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsbInventory {
    /// False where this machine has no USB bus at all.
    pub bus_present: bool,
    pub devices: Vec<UsbDevice>,
}

fn no_bus() -> bool {
    cfg!(target_os = "linux") && !std::path::Path::new("/dev/bus/usb").exists()
}

fn context() -> Result<rusb::Context, String> {
    rusb::Context::new().map_err(|e| format!("cannot start USB (libusb): {e}"))
}

/// Every USB device with its interface classes.
pub fn enumerate() -> Result<UsbInventory, String> {
    if no_bus() {
        return Ok(UsbInventory {
            bus_present: false,
            devices: Vec::new(),
        });
    }
    let ctx = context()?;
    let list = ctx
        .devices()
        .map_err(|e| format!("cannot list USB devices: {e}"))?;
    let mut devices = Vec::new();
    for device in list.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        let mut classes = vec![];
        if let Ok(config) = device.active_config_descriptor() {
            for iface in config.interfaces() {
                for d in iface.descriptors() {
                    if !classes.contains(&d.class_code()) {
                        classes.push(d.class_code());
                    }
                }
            }
        }
        devices.push(UsbDevice {
            bus: device.bus_number(),
            address: device.address(),
            vendor_id: format!("{:04x}", desc.vendor_id()),
            product_id: format!("{:04x}", desc.product_id()),
            classes,
        });
    }
    Ok(UsbInventory {
        bus_present: true,
        devices,
    })
}

/// The interface of `class` with an endpoint of `kind` pointing `dir`, and
/// the endpoint opposite to it if there is one.
fn find_endpoints(
    device: &rusb::Device<rusb::Context>,
    class: u8,
    kind: rusb::TransferType,
    dir: rusb::Direction,
) -> Option<(u8, u8, Option<u8>)> {
    let config = device.active_config_descriptor().ok()?;
    for iface in config.interfaces() {
        for d in iface.descriptors() {
            if d.class_code() != class {
                continue;
            }
            let eps: Vec<_> = d
                .endpoint_descriptors()
                .filter(|e| e.transfer_type() == kind)
                .collect();
            let main = eps.iter().find(|e| e.direction() == dir)?;
            let back = eps
                .iter()
                .find(|e| e.direction() != dir)
                .map(|e| e.address());
            return Some((d.interface_number(), main.address(), back));
        }
    }
    None
}

fn open(vendor: u16, product: u16) -> Result<rusb::DeviceHandle<rusb::Context>, String> {
    if no_bus() {
        return Err("this machine has no USB bus".into());
    }
    let ctx = context()?;
    ctx.open_device_with_vid_pid(vendor, product)
        .ok_or_else(|| {
            format!(
                "no USB device {vendor:04x}:{product:04x} is plugged in (or it cannot be opened)"
            )
        })
}

/// A USB printer: bulk OUT for jobs, bulk IN (where present) for status.
pub struct UsbLink {
    handle: rusb::DeviceHandle<rusb::Context>,
    out_ep: u8,
    in_ep: Option<u8>,
    timeout: Duration,
}

impl UsbLink {
    pub fn open(vendor: u16, product: u16, timeout: Duration) -> Result<Self, PrintError> {
        let unreachable = |e: String| PrintError::Unreachable(e);
        let handle = open(vendor, product).map_err(unreachable)?;
        let (iface, out_ep, in_ep) = find_endpoints(
            &handle.device(),
            7,
            rusb::TransferType::Bulk,
            rusb::Direction::Out,
        )
        .ok_or_else(|| {
            unreachable(format!(
                "USB device {vendor:04x}:{product:04x} has no printer interface"
            ))
        })?;
        // The kernel's usblp driver holds the interface; take it for the job.
        let _ = handle.set_auto_detach_kernel_driver(true);
        handle
            .claim_interface(iface)
            .map_err(|e| unreachable(format!("cannot claim the printer interface: {e}")))?;
        Ok(UsbLink {
            handle,
            out_ep,
            in_ep,
            timeout,
        })
    }
}

impl Link for UsbLink {
    fn write_all(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let n = self
                .handle
                .write_bulk(self.out_ep, bytes, self.timeout)
                .map_err(std::io::Error::other)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    fn read_byte(&mut self, timeout: Duration) -> std::io::Result<Option<u8>> {
        let Some(ep) = self.in_ep else {
            return Ok(None);
        };
        let mut buf = [0u8; 64];
        match self.handle.read_bulk(ep, &mut buf, timeout) {
            Ok(0) | Err(rusb::Error::Timeout) => Ok(None),
            // A status answer is one byte; a longer read carries it last.
            Ok(n) => Ok(Some(buf[n - 1])),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    fn two_way(&self) -> bool {
        self.in_ep.is_some()
    }
}

/// A HID POS scanner's interrupt IN endpoint.
pub struct HidPosReports {
    handle: rusb::DeviceHandle<rusb::Context>,
    endpoint: u8,
}

impl HidPosReports {
    pub fn open(vendor: u16, product: u16) -> Result<Self, String> {
        let handle = open(vendor, product)?;
        let (iface, endpoint, _) = find_endpoints(
            &handle.device(),
            3,
            rusb::TransferType::Interrupt,
            rusb::Direction::In,
        )
        .ok_or_else(|| format!("USB device {vendor:04x}:{product:04x} has no HID interface; is it in HID POS mode?"))?;
        let _ = handle.set_auto_detach_kernel_driver(true);
        handle
            .claim_interface(iface)
            .map_err(|e| format!("cannot claim the scanner interface: {e}"))?;
        Ok(HidPosReports { handle, endpoint })
    }
}

impl crate::hid_scanner::ReportSource for HidPosReports {
    fn read_report(&mut self, timeout: Duration) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = [0u8; 64];
        match self.handle.read_interrupt(self.endpoint, &mut buf, timeout) {
            Ok(n) => Ok(Some(buf[..n].to_vec())),
            Err(rusb::Error::Timeout) => Ok(None),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}
