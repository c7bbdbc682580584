//! The GS1 application identifier table, as data: for each AI, its value's
//! format (digits or GS1 characters, fixed or variable length, a check digit,
//! a date, an implied decimal point) and whether it ends without a separator.
//!
//! The table follows the GS1 General Specifications (section 3.2). AIs are
//! prefix-free, so an AI is found by trying two, three and four digits. AIs
//! whose last digit says where the decimal point goes (`310n`, `392n`, …)
//! are listed once with `n` for that digit.

/// How an AI's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Digits, `min..=max` of them.
    Digits { min: u8, max: u8 },
    /// GS1 characters (set 82), `min..=max` of them.
    Text { min: u8, max: u8 },
    /// A GTIN, SSCC or other key: digits ending in a GS1 check digit.
    Key { len: u8 },
    /// A date, `YYMMDD` (day `00`: the month's last day).
    Date,
    /// `YYMMDDHH`, then optionally minutes and seconds.
    DateTime,
    /// Six digits with the AI's last digit as the number of decimals.
    Measure,
    /// Up to 15 digits with the AI's last digit as the number of decimals;
    /// `iso` says three digits of ISO 4217 currency come first.
    Amount { iso: bool },
    /// A fixed count of digits, then GS1 characters up to `max` in all
    /// (e.g. a country code then a postal code).
    DigitsThenText { digits: u8, max: u8 },
}

/// One AI of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ai {
    /// The AI's digits; a trailing `n` matches any decimal-point digit.
    pub code: &'static str,
    /// GS1's data title, e.g. `BEST BEFORE or BEST BY`.
    pub title: &'static str,
    pub value: Value,
}

const fn ai(code: &'static str, title: &'static str, value: Value) -> Ai {
    Ai { code, title, value }
}

const fn n(min: u8, max: u8) -> Value {
    Value::Digits { min, max }
}

const fn x(max: u8) -> Value {
    Value::Text { min: 1, max }
}

/// The AIs this platform reads; an element string with any other AI is
/// refused by name.
pub const TABLE: &[Ai] = &[
    ai("00", "SSCC", Value::Key { len: 18 }),
    ai("01", "GTIN", Value::Key { len: 14 }),
    ai("02", "CONTENT", Value::Key { len: 14 }),
    ai("03", "MTO GTIN", Value::Key { len: 14 }),
    ai("10", "BATCH/LOT", x(20)),
    ai("11", "PROD DATE", Value::Date),
    ai("12", "DUE DATE", Value::Date),
    ai("13", "PACK DATE", Value::Date),
    ai("15", "BEST BEFORE or BEST BY", Value::Date),
    ai("16", "SELL BY", Value::Date),
    ai("17", "USE BY or EXPIRY", Value::Date),
    ai("20", "VARIANT", n(2, 2)),
    ai("21", "SERIAL", x(20)),
    ai("22", "CPV", x(20)),
    ai("235", "TPX", x(28)),
    ai("240", "ADDITIONAL ID", x(30)),
    ai("241", "CUST. PART No.", x(30)),
    ai("242", "MTO VARIANT", n(1, 6)),
    ai("243", "PCN", x(20)),
    ai("250", "SECONDARY SERIAL", x(30)),
    ai("251", "REF. TO SOURCE", x(30)),
    ai(
        "253",
        "GDTI",
        Value::DigitsThenText {
            digits: 13,
            max: 30,
        },
    ),
    ai("254", "GLN EXTENSION COMPONENT", x(20)),
    ai("255", "GCN", n(13, 25)),
    ai("30", "VAR. COUNT", n(1, 8)),
    ai("310n", "NET WEIGHT (kg)", Value::Measure),
    ai("311n", "LENGTH (m)", Value::Measure),
    ai("312n", "WIDTH (m)", Value::Measure),
    ai("313n", "HEIGHT (m)", Value::Measure),
    ai("314n", "AREA (m2)", Value::Measure),
    ai("315n", "NET VOLUME (l)", Value::Measure),
    ai("316n", "NET VOLUME (m3)", Value::Measure),
    ai("320n", "NET WEIGHT (lb)", Value::Measure),
    ai("321n", "LENGTH (in)", Value::Measure),
    ai("322n", "LENGTH (ft)", Value::Measure),
    ai("323n", "LENGTH (yd)", Value::Measure),
    ai("324n", "WIDTH (in)", Value::Measure),
    ai("325n", "WIDTH (ft)", Value::Measure),
    ai("326n", "WIDTH (yd)", Value::Measure),
    ai("327n", "HEIGHT (in)", Value::Measure),
    ai("328n", "HEIGHT (ft)", Value::Measure),
    ai("329n", "HEIGHT (yd)", Value::Measure),
    ai("330n", "GROSS WEIGHT (kg)", Value::Measure),
    ai("331n", "LENGTH (m), log", Value::Measure),
    ai("332n", "WIDTH (m), log", Value::Measure),
    ai("333n", "HEIGHT (m), log", Value::Measure),
    ai("334n", "AREA (m2), log", Value::Measure),
    ai("335n", "VOLUME (l), log", Value::Measure),
    ai("336n", "VOLUME (m3), log", Value::Measure),
    ai("337n", "KG PER m2", Value::Measure),
    ai("340n", "GROSS WEIGHT (lb)", Value::Measure),
    ai("341n", "LENGTH (in), log", Value::Measure),
    ai("342n", "LENGTH (ft), log", Value::Measure),
    ai("343n", "LENGTH (yd), log", Value::Measure),
    ai("344n", "WIDTH (in), log", Value::Measure),
    ai("345n", "WIDTH (ft), log", Value::Measure),
    ai("346n", "WIDTH (yd), log", Value::Measure),
    ai("347n", "HEIGHT (in), log", Value::Measure),
    ai("348n", "HEIGHT (ft), log", Value::Measure),
    ai("349n", "HEIGHT (yd), log", Value::Measure),
    ai("350n", "AREA (in2)", Value::Measure),
    ai("351n", "AREA (ft2)", Value::Measure),
    ai("352n", "AREA (yd2)", Value::Measure),
    ai("353n", "AREA (in2), log", Value::Measure),
    ai("354n", "AREA (ft2), log", Value::Measure),
    ai("355n", "AREA (yd2), log", Value::Measure),
    ai("356n", "NET WEIGHT (t oz)", Value::Measure),
    ai("357n", "NET VOLUME (oz)", Value::Measure),
    ai("360n", "NET VOLUME (qt)", Value::Measure),
    ai("361n", "NET VOLUME (gal.)", Value::Measure),
    ai("362n", "VOLUME (qt), log", Value::Measure),
    ai("363n", "VOLUME (gal.), log", Value::Measure),
    ai("364n", "VOLUME (in3)", Value::Measure),
    ai("365n", "VOLUME (ft3)", Value::Measure),
    ai("366n", "VOLUME (yd3)", Value::Measure),
    ai("367n", "VOLUME (in3), log", Value::Measure),
    ai("368n", "VOLUME (ft3), log", Value::Measure),
    ai("369n", "VOLUME (yd3), log", Value::Measure),
    ai("37", "COUNT", n(1, 8)),
    ai("390n", "AMOUNT", Value::Amount { iso: false }),
    ai("391n", "AMOUNT", Value::Amount { iso: true }),
    ai("392n", "PRICE", Value::Amount { iso: false }),
    ai("393n", "PRICE", Value::Amount { iso: true }),
    ai("394n", "PRCNT OFF", n(4, 4)),
    ai("395n", "PRICE/UoM", n(6, 6)),
    ai("400", "ORDER NUMBER", x(30)),
    ai("401", "GINC", x(30)),
    ai("402", "GSIN", Value::Key { len: 17 }),
    ai("403", "ROUTE", x(30)),
    ai("410", "SHIP TO LOC", Value::Key { len: 13 }),
    ai("411", "BILL TO", Value::Key { len: 13 }),
    ai("412", "PURCHASE FROM", Value::Key { len: 13 }),
    ai("413", "SHIP FOR LOC", Value::Key { len: 13 }),
    ai("414", "LOC No.", Value::Key { len: 13 }),
    ai("415", "PAY TO", Value::Key { len: 13 }),
    ai("416", "PROD/SERV LOC", Value::Key { len: 13 }),
    ai("417", "PARTY", Value::Key { len: 13 }),
    ai("420", "SHIP TO POST", x(20)),
    ai(
        "421",
        "SHIP TO POST",
        Value::DigitsThenText { digits: 3, max: 12 },
    ),
    ai("422", "ORIGIN", n(3, 3)),
    ai("423", "COUNTRY - INITIAL PROCESS", n(3, 15)),
    ai("424", "COUNTRY - PROCESS", n(3, 3)),
    ai("425", "COUNTRY - DISASSEMBLY", n(3, 15)),
    ai("426", "COUNTRY - FULL PROCESS", n(3, 3)),
    ai("427", "ORIGIN SUBDIVISION", x(3)),
    ai("4300", "SHIP TO COMP", x(35)),
    ai("4301", "SHIP TO NAME", x(35)),
    ai("4302", "SHIP TO ADD1", x(70)),
    ai("4303", "SHIP TO ADD2", x(70)),
    ai("4304", "SHIP TO SUB", x(70)),
    ai("4305", "SHIP TO LOC", x(70)),
    ai("4306", "SHIP TO REG", x(70)),
    ai("4307", "SHIP TO COUNTRY", Value::Text { min: 2, max: 2 }),
    ai("4308", "SHIP TO PHONE", x(30)),
    ai("4309", "SHIP TO GEO", n(20, 20)),
    ai("4310", "RTN TO COMP", x(35)),
    ai("4311", "RTN TO NAME", x(35)),
    ai("4312", "RTN TO ADD1", x(70)),
    ai("4313", "RTN TO ADD2", x(70)),
    ai("4314", "RTN TO SUB", x(70)),
    ai("4315", "RTN TO LOC", x(70)),
    ai("4316", "RTN TO REG", x(70)),
    ai("4317", "RTN TO COUNTRY", Value::Text { min: 2, max: 2 }),
    ai("4318", "RTN TO POST", x(20)),
    ai("4319", "RTN TO PHONE", x(30)),
    ai("4320", "SRV DESCRIPTION", x(35)),
    ai("4321", "DANGEROUS GOODS", n(1, 1)),
    ai("4322", "AUTH LEAVE", n(1, 1)),
    ai("4323", "SIG REQUIRED", n(1, 1)),
    ai("4324", "NBEF DEL DT", n(10, 10)),
    ai("4325", "NAFT DEL DT", n(10, 10)),
    ai("4326", "REL DATE", Value::Date),
    ai("4330", "MAX TEMP F", n(6, 7)),
    ai("4331", "MAX TEMP C", n(6, 7)),
    ai("4332", "MIN TEMP F", n(6, 7)),
    ai("4333", "MIN TEMP C", n(6, 7)),
    ai("7001", "NSN", n(13, 13)),
    ai("7002", "MEAT CUT", x(30)),
    ai("7003", "EXPIRY TIME", n(10, 10)),
    ai("7004", "ACTIVE POTENCY", n(1, 4)),
    ai("7005", "CATCH AREA", x(12)),
    ai("7006", "FIRST FREEZE DATE", Value::Date),
    ai("7007", "HARVEST DATE", n(6, 12)),
    ai("7008", "AQUATIC SPECIES", x(3)),
    ai("7009", "FISHING GEAR TYPE", x(10)),
    ai("7010", "PROD METHOD", x(2)),
    ai("7011", "TEST BY DATE", n(6, 10)),
    ai("7020", "REFURB LOT", x(20)),
    ai("7021", "FUNC STAT", x(20)),
    ai("7022", "REV STAT", x(20)),
    ai("7023", "GIAI - ASSEMBLY", x(30)),
    ai("7040", "UIC+EXT", Value::Text { min: 4, max: 4 }),
    ai("7240", "PROTOCOL", x(20)),
    ai("710", "NHRN PZN", x(20)),
    ai("711", "NHRN CIP", x(20)),
    ai("712", "NHRN CN", x(20)),
    ai("713", "NHRN DRN", x(20)),
    ai("714", "NHRN AIM", x(20)),
    ai("715", "NHRN NDC", x(20)),
    ai("8001", "DIMENSIONS", n(14, 14)),
    ai("8002", "CMT No.", x(20)),
    ai(
        "8003",
        "GRAI",
        Value::DigitsThenText {
            digits: 14,
            max: 30,
        },
    ),
    ai("8004", "GIAI", x(30)),
    ai("8005", "PRICE PER UNIT", n(6, 6)),
    ai("8006", "ITIP", n(18, 18)),
    ai("8007", "IBAN", x(34)),
    ai("8008", "PROD TIME", Value::DateTime),
    ai("8009", "OPTSEN", x(50)),
    ai("8010", "CPID", x(30)),
    ai("8011", "CPID SERIAL", n(1, 12)),
    ai("8012", "VERSION", x(20)),
    ai("8013", "GMN", x(25)),
    ai("8017", "GSRN - PROVIDER", Value::Key { len: 18 }),
    ai("8018", "GSRN - RECIPIENT", Value::Key { len: 18 }),
    ai("8019", "SRIN", n(1, 10)),
    ai("8020", "REF No.", x(25)),
    ai("8026", "ITIP CONTENT", n(18, 18)),
    ai("8110", "COUPON", x(70)),
    ai("8111", "POINTS", n(4, 4)),
    ai("8112", "COUPON", x(70)),
    ai("8200", "PRODUCT URL", x(70)),
    ai("90", "INTERNAL", x(30)),
    ai("91", "INTERNAL", x(90)),
    ai("92", "INTERNAL", x(90)),
    ai("93", "INTERNAL", x(90)),
    ai("94", "INTERNAL", x(90)),
    ai("95", "INTERNAL", x(90)),
    ai("96", "INTERNAL", x(90)),
    ai("97", "INTERNAL", x(90)),
    ai("98", "INTERNAL", x(90)),
    ai("99", "INTERNAL", x(90)),
];

impl Ai {
    /// Whether `digits` (the AI as written) is this entry.
    fn matches(&self, digits: &str) -> bool {
        match self.code.strip_suffix('n') {
            Some(stem) => {
                digits.len() == self.code.len()
                    && digits.starts_with(stem)
                    && digits.as_bytes()[stem.len()].is_ascii_digit()
            }
            None => digits == self.code,
        }
    }

    /// The decimal-point digit of an AI such as `3103` (3), if it has one.
    pub fn decimals(&self, digits: &str) -> Option<u8> {
        self.code
            .ends_with('n')
            .then(|| digits.as_bytes().last().map(|b| b - b'0'))
            .flatten()
    }

    /// The value's shortest and longest length.
    pub fn lengths(&self) -> (usize, usize) {
        let (min, max) = match self.value {
            Value::Digits { min, max } | Value::Text { min, max } => (min, max),
            Value::Key { len } => (len, len),
            Value::Date | Value::Measure => (6, 6),
            Value::DateTime => (8, 12),
            Value::Amount { iso: false } => (1, 15),
            Value::Amount { iso: true } => (4, 18),
            Value::DigitsThenText { digits, max } => (digits, max),
        };
        (usize::from(min), usize::from(max))
    }
}

/// The AI at the start of `data` (its digits and its table entry), trying
/// two, three and four digits.
pub fn lookup(data: &str) -> Option<(&str, &'static Ai)> {
    (2..=4).find_map(|len| {
        let digits = data.get(..len)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        TABLE
            .iter()
            .find(|a| a.matches(digits))
            .map(|a| (digits, a))
    })
}

/// Whether an AI is one of GS1's predefined-length AIs, which never need a
/// separator after them (General Specifications figure 7.8.5-2): the first
/// two digits decide.
pub fn predefined_length(digits: &str) -> bool {
    matches!(
        digits.get(..2),
        Some(
            "00" | "01"
                | "02"
                | "03"
                | "04"
                | "11"
                | "12"
                | "13"
                | "14"
                | "15"
                | "16"
                | "17"
                | "18"
                | "19"
                | "20"
                | "31"
                | "32"
                | "33"
                | "34"
                | "35"
                | "36"
                | "41"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ais_are_found_by_their_longest_match() {
        assert_eq!(lookup("0109501101020917").map(|a| a.0), Some("01"));
        assert_eq!(lookup("3103000750").map(|a| a.1.code), Some("310n"));
        assert_eq!(lookup("39221234").map(|a| a.0), Some("3922"));
        assert_eq!(lookup("800826123112").map(|a| a.1.title), Some("PROD TIME"));
        assert_eq!(lookup("235ABC").map(|a| a.0), Some("235"));
        assert_eq!(lookup("04ABC"), None, "04 is reserved, not an AI");
        assert_eq!(lookup("1"), None);
    }

    #[test]
    fn the_table_is_prefix_free() {
        let concrete: Vec<String> = TABLE
            .iter()
            .flat_map(|a| match a.code.strip_suffix('n') {
                Some(stem) => (0..10).map(|d| format!("{stem}{d}")).collect(),
                None => vec![a.code.to_owned()],
            })
            .collect();
        for a in &concrete {
            for b in &concrete {
                assert!(
                    a == b || !a.starts_with(b.as_str()),
                    "{b} is a prefix of {a}"
                );
            }
        }
    }
}
