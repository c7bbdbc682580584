//! USB devices through `rusb`: enumeration for the device list, and claiming
//! a device's interface by class for the printer link (bulk OUT, and IN for
//! status where the printer has it) and the HID POS scanner (interrupt IN).
//!
//! A machine without a USB bus (a container, a VM) lists no devices rather than
//! failing: the till works without USB.

use rusb::UsbContext;
use serde::Serialize;

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

/// A device's interface, claimed for this process: its handle, the
/// endpoint asked for and the opposite one where the interface has it.
pub struct Claimed {
    pub handle: rusb::DeviceHandle<rusb::Context>,
    pub endpoint: u8,
    pub back: Option<u8>,
}

/// Opens `vendor:product` and claims its interface of `class` with an
/// endpoint of `kind` pointing `dir`, detaching the kernel's driver for it.
/// `role` names the interface in errors ("printer", "HID").
pub fn claim(
    vendor: u16,
    product: u16,
    class: u8,
    kind: rusb::TransferType,
    dir: rusb::Direction,
    role: &str,
) -> Result<Claimed, String> {
    if no_bus() {
        return Err("this machine has no USB bus".into());
    }
    let ctx = context()?;
    let handle = ctx
        .open_device_with_vid_pid(vendor, product)
        .ok_or_else(|| {
            format!(
                "no USB device {vendor:04x}:{product:04x} is plugged in (or it cannot be opened)"
            )
        })?;
    let (iface, endpoint, back) = find_endpoints(&handle.device(), class, kind, dir)
        .ok_or_else(|| format!("USB device {vendor:04x}:{product:04x} has no {role} interface"))?;
    // The kernel's driver (usblp, usbhid) holds the interface; take it.
    let _ = handle.set_auto_detach_kernel_driver(true);
    handle
        .claim_interface(iface)
        .map_err(|e| format!("cannot claim the {role} interface: {e}"))?;
    Ok(Claimed {
        handle,
        endpoint,
        back,
    })
}
