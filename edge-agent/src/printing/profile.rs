//! Printer profiles: what a model can do, so receipts fit and never use a
//! command the printer would print as garbage.

use super::codepage::CodePage;
use serde::Serialize;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrinterProfile {
    pub name: String,
    pub paper_mm: u32,
    /// Characters per line in font A (12×24) and font B (9×17).
    pub columns_a: usize,
    pub columns_b: usize,
    /// Printable width in dots, for images.
    pub dots: u32,
    /// Best first: receipts use the first page that shows all their text.
    pub code_pages: Vec<CodePage>,
    pub cutter: bool,
    /// Whether the printer draws QR codes itself (`GS ( k`); otherwise they are
    /// sent as images.
    pub qr: bool,
}

impl PrinterProfile {
    /// The named profiles: `epson-tm-t20`, `epson-tm-t82`, `epson-tm-t88vii`,
    /// `generic-58mm`, `generic-80mm`.
    pub fn named(name: &str) -> Option<Self> {
        let p =
            |name: &str, paper_mm, columns_a, columns_b, dots, pages: &[CodePage], cutter, qr| {
                PrinterProfile {
                    name: name.to_owned(),
                    paper_mm,
                    columns_a,
                    columns_b,
                    dots,
                    code_pages: pages.to_vec(),
                    cutter,
                    qr,
                }
            };
        use CodePage::*;
        Some(match name {
            "epson-tm-t20" => p(name, 80, 48, 64, 576, &[Pc858, Cp437], true, true),
            "epson-tm-t82" => p(name, 80, 48, 64, 576, &[Pc858, Cp437], true, true),
            "epson-tm-t88vii" => p(name, 80, 48, 64, 576, &[Utf8, Pc858, Cp437], true, true),
            "generic-80mm" => p(name, 80, 48, 64, 576, &[Cp437], true, false),
            "generic-58mm" => p(name, 58, 32, 42, 384, &[Cp437], false, false),
            _ => return None,
        })
    }

    pub const NAMES: [&'static str; 5] = [
        "epson-tm-t20",
        "epson-tm-t82",
        "epson-tm-t88vii",
        "generic-80mm",
        "generic-58mm",
    ];

    /// A profile from config: a named one, with any of `paper`, `columns`,
    /// `columns_b`, `dots`, `codepages`, `cutter`, `qr` overriding it
    /// (`custom` starts from `generic-80mm`).
    pub fn from_params(params: &[(String, String)]) -> Result<Self, String> {
        let base = params
            .iter()
            .find(|(k, _)| k == "profile")
            .map(|(_, v)| v.as_str())
            .unwrap_or("generic-80mm");
        let mut profile = match base {
            "custom" => PrinterProfile {
                name: "custom".into(),
                ..Self::named("generic-80mm").expect("built-in profile")
            },
            name => Self::named(name).ok_or_else(|| {
                format!(
                    "printer profile {name:?} is not one of custom, {}",
                    Self::NAMES.join(", ")
                )
            })?,
        };
        let number = |k: &str, v: &str| -> Result<u32, String> {
            v.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("printer {k} {v:?} is not a positive number"))
        };
        let flag = |k: &str, v: &str| -> Result<bool, String> {
            match v {
                "yes" | "true" | "1" => Ok(true),
                "no" | "false" | "0" => Ok(false),
                _ => Err(format!("printer {k} {v:?} is not yes or no")),
            }
        };
        for (k, v) in params {
            match k.as_str() {
                "paper" => {
                    profile.paper_mm = number(k, v)?;
                    if profile.paper_mm < 70 {
                        let narrow = Self::named("generic-58mm").expect("built-in profile");
                        profile.columns_a = narrow.columns_a;
                        profile.columns_b = narrow.columns_b;
                        profile.dots = narrow.dots;
                    }
                }
                "columns" => profile.columns_a = number(k, v)? as usize,
                "columns_b" => profile.columns_b = number(k, v)? as usize,
                "dots" => profile.dots = number(k, v)?,
                "codepages" => {
                    profile.code_pages = v
                        .split('+')
                        .map(CodePage::parse)
                        .collect::<Result<_, _>>()?
                }
                "cutter" => profile.cutter = flag(k, v)?,
                "qr" => profile.qr = flag(k, v)?,
                _ => {}
            }
        }
        if profile.columns_a < 24 {
            return Err(format!(
                "printer columns {} is too narrow for a receipt (24 at least)",
                profile.columns_a
            ));
        }
        Ok(profile)
    }

    /// The first page the profile lists that shows every character of `text`,
    /// else the first page (with stand-ins).
    pub fn page_for(&self, text: &str) -> CodePage {
        self.code_pages
            .iter()
            .copied()
            .find(|page| text.chars().all(|c| page.shows(c)))
            .unwrap_or(self.code_pages[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn profiles_come_from_names_and_overrides() {
        let p = PrinterProfile::from_params(&params(&[("profile", "epson-tm-t20")])).unwrap();
        assert_eq!((p.columns_a, p.cutter, p.qr), (48, true, true));
        let c = PrinterProfile::from_params(&params(&[
            ("profile", "custom"),
            ("paper", "58"),
            ("codepages", "pc858+cp437"),
            ("qr", "no"),
        ]))
        .unwrap();
        assert_eq!((c.columns_a, c.dots, c.qr), (32, 384, false));
        assert_eq!(c.code_pages, vec![CodePage::Pc858, CodePage::Cp437]);
        let bad = PrinterProfile::from_params(&params(&[("profile", "tm-9000")])).unwrap_err();
        assert!(bad.contains("tm-9000"), "{bad}");
        let bad = PrinterProfile::from_params(&params(&[("cutter", "maybe")])).unwrap_err();
        assert!(bad.contains("cutter"), "{bad}");
    }

    #[test]
    fn the_page_is_chosen_by_the_text() {
        let p = PrinterProfile::named("epson-tm-t88vii").unwrap();
        assert_eq!(p.page_for("₹ 10"), CodePage::Utf8);
        let p = PrinterProfile::named("epson-tm-t20").unwrap();
        assert_eq!(p.page_for("€ 10"), CodePage::Pc858);
        assert_eq!(p.page_for("₹ 10"), CodePage::Pc858);
    }
}
